export {
  BatchQueries,
  DEFAULT_BATCH_PAGE_SIZE,
  MAX_BATCH_PAGE_SIZE,
  type BatchPageView,
  type BatchReader,
} from './batch-queries';
export { BatchWorker, type BatchWorkerOptions } from './batch-worker';
export {
  IngestService,
  MAX_CHUNK_INDEX,
  type CreateBatchInput,
  type IngestLimits,
  type SubmitPriceBatchInput,
  type UploadPriceInput,
} from './ingest-service';
export type { PriceItemInput } from './price-items';
