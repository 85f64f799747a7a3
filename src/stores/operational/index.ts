export type { OperationalStore, ReferenceData, ReferenceDataCounts } from './operational-store';
export { SqliteOperationalStore } from './sqlite/sqlite-operational-store';
