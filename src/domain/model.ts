/** A port: a 5-character UN/LOCODE-style code and the region that directly holds it. */
export interface Port {
  readonly code: string;
  readonly name: string;
  readonly regionSlug: string;
}

/** A region; regions nest to any depth through `parentSlug`. */
export interface Region {
  readonly slug: string;
  readonly name: string;
  readonly parentSlug: string | null;
}

/** A location named in a query: a port, or a region standing for every port at or below it. */
export interface ResolvedLocation {
  readonly kind: 'port' | 'region';
  readonly id: string;
  readonly portCodes: readonly string[];
}
