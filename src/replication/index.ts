export { ReplicationMonitor, type ReplicationStatus } from './replication-status';
export { Replicator, type ReplicatorDependencies, type ReplicatorEvents, type ReplicatorOptions } from './replicator';
