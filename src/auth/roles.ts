/**
 * What a key may do: `read` answers analytics (rates, series, statistics, ports and regions);
 * `ingest` submits batches and sees and acts on the batches it submitted; `admin` sees and acts on
 * every batch (any supplier's, and the reference dataset's), and alone restores retracted ones.
 * A key may hold several.
 */
export type Role = 'read' | 'ingest' | 'admin';

export const ROLES: readonly Role[] = ['read', 'ingest', 'admin'];
