export {
  BatchQueries,
  DEFAULT_BATCH_PAGE_SIZE,
  MAX_BATCH_PAGE_SIZE,
  type BatchPageView,
  type BatchReader,
} from './batch-queries';
export { IngestService, type IngestLimits, type SubmitPriceBatchInput, type UploadPriceInput } from './ingest-service';
export type { PriceItemInput } from './price-items';
