export { ReplicationMonitor, type ReplicationStatus } from './replication-status';
export {
  Replicator,
  type ReplicaWrite,
  type ReplicaWriteObserver,
  type ReplicatorDependencies,
  type ReplicatorEvents,
  type ReplicatorOptions,
} from './replicator';
