export { ReplicationMonitor, type ReplicationStatus } from './replication-status';
export { DEFAULT_REPLICATOR_OPTIONS, Replicator, type ReplicatorOptions } from './replicator';
