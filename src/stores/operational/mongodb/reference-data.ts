import type { AnyBulkWriteOperation } from 'mongodb';
import type { Port, Region } from '../../../domain/model';
import type { ReferenceData, ReferenceDataCounts, ReferenceDataStore } from '../ports';
import { toPort, toRegion, type MongoCollections, type PortDocument, type RegionDocument } from './documents';

/** Ports and regions, one document each, keyed by code and slug. */
export class MongoReferenceData implements ReferenceDataStore {
  constructor(private readonly collections: Pick<MongoCollections, 'regions' | 'ports' | 'referenceRevision'>) {}

  async portsByCodes(codes: readonly string[]): Promise<(Port | undefined)[]> {
    const found = await this.collections.ports.find({ _id: { $in: [...codes] } }).toArray();
    const byCode = new Map(found.map((doc) => [doc._id, toPort(doc)]));
    return codes.map((code) => byCode.get(code));
  }

  async regionsBySlugs(slugs: readonly string[]): Promise<(Region | undefined)[]> {
    const found = await this.collections.regions.find({ _id: { $in: [...slugs] } }).toArray();
    const bySlug = new Map(found.map((doc) => [doc._id, toRegion(doc)]));
    return slugs.map((slug) => bySlug.get(slug));
  }

  async childRegionsFor(parentSlugs: readonly string[]): Promise<Region[][]> {
    const children = await this.collections.regions
      .find({ parentSlug: { $in: [...parentSlugs] } })
      .sort({ _id: 1 })
      .toArray();
    return parentSlugs.map((parent) => children.filter((doc) => doc.parentSlug === parent).map(toRegion));
  }

  async portsWithinRegions(slugs: readonly string[]): Promise<Port[][]> {
    const trees = await this.regionTrees(slugs);
    const allSlugs = [...new Set(trees.flatMap((tree) => [...tree]))];
    const ports =
      allSlugs.length === 0
        ? []
        : await this.collections.ports
            .find({ regionSlug: { $in: allSlugs } })
            .sort({ _id: 1 })
            .toArray();
    return trees.map((tree) => ports.filter((doc) => tree.has(doc.regionSlug)).map(toPort));
  }

  async allPorts(): Promise<Port[]> {
    return (await this.collections.ports.find().sort({ _id: 1 }).toArray()).map(toPort);
  }

  async allRegions(): Promise<Region[]> {
    return (await this.collections.regions.find().sort({ _id: 1 }).toArray()).map(toRegion);
  }

  /**
   * Writes only what differs from what is stored (regions first, then ports), as unordered upserts:
   * loading the same data again writes nothing. There is no transaction: a crash in between leaves part
   * of the data written, and running it again completes it. Names that would dangle (a port in an
   * unknown region, an unknown parent) are refused before anything is written.
   */
  async upsert(data: ReferenceData): Promise<ReferenceDataCounts> {
    const [storedRegions, storedPorts] = await Promise.all([
      this.collections.regions.find().toArray(),
      this.collections.ports.find().toArray(),
    ]);
    const known = new Set([...storedRegions.map((doc) => doc._id), ...data.regions.map((r) => r.slug)]);
    for (const region of data.regions) {
      if (region.parentSlug !== null && !known.has(region.parentSlug)) {
        throw new Error(`Region ${region.slug} names the parent region ${region.parentSlug}, which does not exist`);
      }
    }
    for (const port of data.ports) {
      if (!known.has(port.regionSlug)) {
        throw new Error(`Port ${port.code} names the region ${port.regionSlug}, which does not exist`);
      }
    }
    const regionById = new Map(storedRegions.map((doc) => [doc._id, doc]));
    const portById = new Map(storedPorts.map((doc) => [doc._id, doc]));
    const regions = data.regions.filter((r) => {
      const stored = regionById.get(r.slug);
      return !stored || stored.name !== r.name || stored.parentSlug !== r.parentSlug;
    });
    const ports = data.ports.filter((p) => {
      const stored = portById.get(p.code);
      return !stored || stored.name !== p.name || stored.regionSlug !== p.regionSlug;
    });
    if (regions.length > 0) {
      await this.collections.regions.bulkWrite(
        regions.map((r): AnyBulkWriteOperation<RegionDocument> => ({
          replaceOne: {
            filter: { _id: r.slug },
            replacement: { name: r.name, parentSlug: r.parentSlug },
            upsert: true,
          },
        })),
        { ordered: false },
      );
    }
    if (ports.length > 0) {
      await this.collections.ports.bulkWrite(
        ports.map((p): AnyBulkWriteOperation<PortDocument> => ({
          replaceOne: {
            filter: { _id: p.code },
            replacement: { name: p.name, regionSlug: p.regionSlug },
            upsert: true,
          },
        })),
        { ordered: false },
      );
    }
    // After the writes: a reader that saw the old revision started before they were all done.
    if (regions.length > 0 || ports.length > 0) {
      await this.collections.referenceRevision.updateOne(
        { _id: 'reference' },
        { $inc: { revision: 1 } },
        { upsert: true },
      );
    }
    return this.counts();
  }

  async revision(): Promise<number> {
    return (await this.collections.referenceRevision.findOne({ _id: 'reference' }))?.revision ?? 0;
  }

  async counts(): Promise<ReferenceDataCounts> {
    const [regions, ports] = await Promise.all([
      this.collections.regions.countDocuments(),
      this.collections.ports.countDocuments(),
    ]);
    return { regions, ports };
  }

  /** Each slug's region and every region below it (empty for an unknown slug); cycles stop the walk. */
  private async regionTrees(slugs: readonly string[]): Promise<Set<string>[]> {
    // Regions are few (tens to hundreds): one read of all of them beats $graphLookup, which FerretDB lacks.
    const all = await this.collections.regions.find({}, { projection: { _id: 1, parentSlug: 1 } }).toArray();
    const children = new Map<string, string[]>();
    for (const doc of all) {
      if (doc.parentSlug === null) continue;
      children.set(doc.parentSlug, [...(children.get(doc.parentSlug) ?? []), doc._id]);
    }
    const exists = new Set(all.map((doc) => doc._id));
    return slugs.map((slug) => {
      const tree = new Set<string>();
      const queue = exists.has(slug) ? [slug] : [];
      for (let current = queue.pop(); current !== undefined; current = queue.pop()) {
        if (tree.has(current)) continue;
        tree.add(current);
        queue.push(...(children.get(current) ?? []));
      }
      return tree;
    });
  }
}
