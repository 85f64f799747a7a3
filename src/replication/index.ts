export { ReplicationMonitor, type ReplicationStatus } from './replication-status';
export { Replicator, type ReplicatorOptions } from './replicator';
