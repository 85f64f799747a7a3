import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import type { Port, Region, ResolvedLocation } from '../domain/model';
import type { ReferenceDataStore } from '../stores/operational';

/** The reads of the reference-data port that locations make (never its writes). */
export type LocationLookups = Pick<
  ReferenceDataStore,
  'portsByCodes' | 'regionsBySlugs' | 'childRegionsFor' | 'portsWithinRegions' | 'allPorts' | 'allRegions' | 'revision'
>;

/** How many resolved ids a process keeps (unknown ones included, so that junk cannot evict real ones for long). */
const RESOLVED_KEPT = 10_000;

/**
 * Ports and regions as one request sees them. Every lookup goes through a DataLoader created for this
 * request only, so a query over all regions with their parents, children and ports costs a handful
 * of store calls however many regions there are, and no request sees another's cache.
 */
export class LocationsReader {
  private readonly portByCode: DataLoader<string, Port | undefined>;
  private readonly regionBySlug: DataLoader<string, Region | undefined>;
  private readonly childrenBySlug: DataLoader<string, Region[]>;
  private readonly portsWithinSlug: DataLoader<string, Port[]>;

  constructor(private readonly store: LocationLookups) {
    this.portByCode = new DataLoader((codes) => store.portsByCodes(codes));
    this.regionBySlug = new DataLoader((slugs) => store.regionsBySlugs(slugs));
    this.childrenBySlug = new DataLoader((slugs) => store.childRegionsFor(slugs));
    this.portsWithinSlug = new DataLoader((slugs) => store.portsWithinRegions(slugs));
  }

  port(code: string): Promise<Port | undefined> {
    return this.portByCode.load(code);
  }

  region(slug: string): Promise<Region | undefined> {
    return this.regionBySlug.load(slug);
  }

  async ports(): Promise<Port[]> {
    const ports = await this.store.allPorts();
    for (const port of ports) this.portByCode.prime(port.code, port);
    return ports;
  }

  async regions(): Promise<Region[]> {
    const regions = await this.store.allRegions();
    for (const region of regions) this.regionBySlug.prime(region.slug, region);
    return regions;
  }

  async regionOf(port: Port): Promise<Region> {
    const region = await this.regionBySlug.load(port.regionSlug);
    // Reference data never names a missing region (SQLite's foreign keys refuse one); failing loudly beats
    // answering null for a non-null field.
    if (!region) throw new Error(`Port ${port.code} names missing region ${port.regionSlug}`);
    return region;
  }

  parentOf(region: Region): Promise<Region | undefined> {
    return region.parentSlug === null ? Promise.resolve(undefined) : this.regionBySlug.load(region.parentSlug);
  }

  childrenOf(region: Region): Promise<Region[]> {
    return this.childrenBySlug.load(region.slug);
  }

  /** Every port in the region or in any region below it. */
  portsWithin(region: Region): Promise<Port[]> {
    return this.portsWithinSlug.load(region.slug);
  }
}

export class LocationsService {
  /** Resolutions by reference-data revision and id. */
  private readonly resolved = new LRUCache<string, ResolvedLocation | 'unknown'>({ max: RESOLVED_KEPT });

  constructor(private readonly store: LocationLookups) {}

  forRequest(): LocationsReader {
    return new LocationsReader(this.store);
  }

  /**
   * A port code stands for itself, a region slug for every port at or below it; undefined when it names
   * nothing. Kept per revision of the reference data: one cheap read instead of three while it does
   * not change.
   */
  async resolve(id: string): Promise<ResolvedLocation | undefined> {
    const [resolved] = await this.resolveAll([id]);
    return resolved;
  }

  /**
   * {@link resolve} for each id, against one read of the revision: every analytical request resolves
   * the two ends of a lane, and that read was the largest cost of resolving them.
   */
  async resolveAll(ids: readonly string[]): Promise<(ResolvedLocation | undefined)[]> {
    const revision = await this.store.revision();
    return Promise.all(
      ids.map(async (id) => {
        const key = `${revision}:${id}`;
        const kept = this.resolved.get(key);
        if (kept !== undefined) return kept === 'unknown' ? undefined : kept;
        const resolved = await this.lookUp(id);
        this.resolved.set(key, resolved ?? 'unknown');
        return resolved;
      }),
    );
  }

  private async lookUp(id: string): Promise<ResolvedLocation | undefined> {
    const [[port], [region]] = await Promise.all([this.store.portsByCodes([id]), this.store.regionsBySlugs([id])]);
    if (port) return { kind: 'port', id, portCodes: [id] };
    if (!region) return undefined;
    const [ports = []] = await this.store.portsWithinRegions([id]);
    return { kind: 'region', id, portCodes: ports.map((p) => p.code) };
  }
}
