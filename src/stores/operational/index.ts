export type {
  AppendChunkOutcome,
  BatchCursor,
  BatchPage,
  BatchQueueDepth,
  BatchStore,
  BatchWorkQueue,
  ChunkedBatchStore,
  CommitBatchOutcome,
  EndOpenBatchOutcome,
  ExchangeRateTable,
  OperationalStore,
  PriceRetention,
  RecordBatchOutcome,
  ReferenceData,
  ReferenceDataCounts,
  ReferenceDataStore,
  ReplicaRegistry,
  ReplicationLeases,
} from './ports';
export {
  FeedRestartRequired,
  type BatchChange,
  type BatchChangeKind,
  type ChangeFeed,
  type ChangeFeedReader,
  type FeedBacklog,
  type FeedPosition,
  type ReplicatedChange,
} from './change-feed';
export { openSqliteOperationalStore, type SqliteStoreOptions } from './sqlite/open';
export {
  openMongoOperationalStore,
  type FeedRestartReason,
  type MongoChangeFeedEvents,
  type MongoStoreOptions,
} from './mongodb/open';
export { guardOperationalStore } from './guard';
export { isSqliteUnavailable } from './sqlite/open';
export { isMongoUnavailable } from './mongodb/open';
