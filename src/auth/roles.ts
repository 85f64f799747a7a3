/** What a key may do: `read` answers queries, `ingest` submits and retracts batches. */
export type Role = 'read' | 'ingest';

export const ROLES: readonly Role[] = ['read', 'ingest'];
