export type {
  AppendChunkOutcome,
  BatchChangeKind,
  CommitBatchOutcome,
  EndOpenBatchOutcome,
  BatchCursor,
  BatchPage,
  OperationalStore,
  RecordBatchOutcome,
  ReferenceData,
  ReferenceDataCounts,
  ReplicatedChange,
} from './operational-store';
export {
  FeedRestartRequired,
  type BatchChange,
  type ChangeFeed,
  type ChangeFeedReader,
  type FeedBacklog,
  type FeedPosition,
} from './change-feed';
export { SqliteOperationalStore } from './sqlite/sqlite-operational-store';
export { MongoOperationalStore, type MongoOperationalStoreOptions } from './mongodb/mongo-operational-store';
