export { readReferenceDataset, type ReferenceDataset, type ReferencePrice } from './dataset';
export { seedReferenceData, REFERENCE_BATCH_KEY, type SeedReport } from './seed';
