export { ReplicationMonitor, type ReplicationStatus } from './replication-status';
export {
  Replicator,
  type ReplicaWriteSummary,
  type ReplicaWriteObserver,
  type ReplicatorDependencies,
  type ReplicatorEvents,
  type ReplicatorOptions,
} from './replicator';
