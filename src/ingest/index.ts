export { BatchQueries, DEFAULT_BATCH_PAGE_SIZE, type BatchPageView, type BatchReader } from './batch-queries';
export { BatchWorker, type BatchWorkerOptions, type ChunkInWork, type ChunkWorkObserver } from './batch-worker';
export type { BatchOutcome, IngestEvents } from './ingest-events';
export {
  IngestService,
  MAX_CHUNK_INDEX,
  type CreateBatchInput,
  type IngestLimits,
  type TakeTurn,
  type UploadPriceInput,
} from './ingest-service';
export { PriceBatchWriter, type SubmitPriceBatchInput } from './price-batch-writer';
export type { PriceItemInput } from './price-items';
export { checkSheetFields, isSheetField, SHEET_FIELDS, type SheetRow } from './rate-sheet';
