/** A port or a region, as a rates answer names the scope it was computed for. */
export interface ScopeLocation {
  readonly kind: 'port' | 'region';
  /** Port code or region slug. */
  readonly id: string;
}

/** The location an answer was computed for, and how many levels above the one asked for it lies. */
export interface LocationScope extends ScopeLocation {
  readonly levelsUp: number;
}

export interface LaneScope {
  readonly origin: LocationScope;
  readonly destination: LocationScope;
}

/** A location followed by every region above it, nearest first (so never empty). */
export type Ancestry = readonly [ScopeLocation, ...ScopeLocation[]];

/**
 * The scopes the PARENT_REGIONS fallback tries, in order, starting with the one asked for: at each
 * step origin and destination both move one level up together (a port to its region, a region to its
 * parent); a side already at a top-level region stays where it is; the last scope has both at the top.
 */
export function widenedScopes(origin: Ancestry, destination: Ancestry): LaneScope[] {
  const steps = Math.max(origin.length, destination.length);
  return Array.from({ length: steps }, (_, level) => ({
    origin: levelsAbove(origin, level),
    destination: levelsAbove(destination, level),
  }));
}

function levelsAbove(ancestry: Ancestry, level: number): LocationScope {
  const levelsUp = Math.min(level, ancestry.length - 1);
  return { ...(ancestry[levelsUp] as ScopeLocation), levelsUp };
}
