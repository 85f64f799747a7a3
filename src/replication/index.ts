export { ReplicationMonitor, type ReplicationStatus } from './replication-status';
export {
  Replicator,
  type ReplicaWriteSummary,
  type ReplicaWriteObserver,
  type ReplicatorDependencies,
  type ReplicatorEvents,
  type ReplicatorOptions,
} from './replicator';
export { exportReplica, importReplica, type ReplicaBootstrapDependencies } from './replica-bootstrap';
export { BOOTSTRAP_COMMANDS, ReplicaRefused } from './replica-membership';
