import { SqliteOperationalStore } from '../../../src/stores/operational';
import { openSqliteStore, removeDataDir, temporaryDataDir } from '../../helpers/components';
import { portsOf, rawPorts, rawRegions } from '../../helpers/reference-answers';
import { readReferenceDataset } from '../../../src/reference-data';

const dataset = readReferenceDataset();
let dataDir: string;
let store: SqliteOperationalStore;

beforeEach(async () => {
  dataDir = temporaryDataDir();
  store = openSqliteStore(dataDir);
  await store.upsertReferenceData(dataset);
});
afterEach(async () => {
  await store.close();
  removeDataDir(dataDir);
});

describe('SqliteOperationalStore: reference data', () => {
  it('holds every port and region of the reference dataset', async () => {
    expect(await store.referenceDataCounts()).toEqual({ regions: rawRegions.length, ports: rawPorts.length });
    expect((await store.allPorts()).map((p) => p.code)).toEqual(rawPorts.map((p) => p.code).sort());
    expect(await store.allRegions()).toContainEqual({
      slug: 'stockholm_area',
      name: 'Stockholm Area',
      parentSlug: 'scandinavia',
    });
    expect(await store.portsByCodes(['ESMPG'])).toEqual([
      { code: 'ESMPG', name: 'Marin, Pontevedra', regionSlug: 'north_europe_sub' },
    ]);
  });

  it('upserts: loading twice changes nothing, a changed name is updated', async () => {
    await store.upsertReferenceData(dataset);
    expect(await store.referenceDataCounts()).toEqual({ regions: 20, ports: 143 });
    await store.upsertReferenceData({
      regions: [],
      ports: [{ code: 'CNSGH', name: 'Shanghai (renamed)', regionSlug: 'china_east_main' }],
    });
    expect(await store.portsByCodes(['CNSGH'])).toEqual([
      { code: 'CNSGH', name: 'Shanghai (renamed)', regionSlug: 'china_east_main' },
    ]);
    expect(await store.referenceDataCounts()).toEqual({ regions: 20, ports: 143 });
  });

  it('refuses a port in a region that does not exist, and keeps what it had', async () => {
    await expect(
      store.upsertReferenceData({
        regions: [],
        ports: [{ code: 'ZZZZZ', name: 'Nowhere', regionSlug: 'no_such_region' }],
      }),
      // better-sqlite3 builds its errors outside jest's sandbox, so `toThrow` would not see an Error.
    ).rejects.toHaveProperty('message', expect.stringMatching(/FOREIGN KEY/));
    expect(await store.portsByCodes(['ZZZZZ'])).toEqual([undefined]);
  });

  it('answers batched lookups in the order asked, undefined for unknown keys', async () => {
    const ports = await store.portsByCodes(['NLRTM', 'NOPE!', 'CNSGH']);
    expect(ports.map((p) => p?.code)).toEqual(['NLRTM', undefined, 'CNSGH']);
    const regions = await store.regionsBySlugs(['baltic', 'atlantis', 'china_main']);
    expect(regions.map((r) => r?.slug)).toEqual(['baltic', undefined, 'china_main']);
  });

  it('lists direct children only', async () => {
    const [scandinavia, stockholm] = await store.childRegionsFor(['scandinavia', 'stockholm_area']);
    expect(scandinavia!.map((r) => r.slug)).toEqual(
      rawRegions
        .filter((r) => r.parent === 'scandinavia')
        .map((r) => r.slug)
        .sort(),
    );
    expect(stockholm).toEqual([]);
  });

  it('finds every port at any depth below a region', async () => {
    const slugs = ['northern_europe', 'scandinavia', 'stockholm_area', 'china_main', 'no_such_region'];
    const found = await store.portsWithinRegions(slugs);
    slugs.forEach((slug, i) => {
      expect(found[i]!.map((p) => p.code)).toEqual([...portsOf(slug)].sort());
    });
    expect(found[0]!.map((p) => p.code)).toContain('SESTO');
  });

  it('resolves a port code or a region slug, and nothing else', async () => {
    expect(await store.resolveLocation('CNSGH')).toEqual({ kind: 'port', id: 'CNSGH', portCodes: ['CNSGH'] });
    const region = await store.resolveLocation('scandinavia');
    expect(region?.kind).toBe('region');
    expect(new Set(region?.portCodes)).toEqual(portsOf('scandinavia'));
    expect(await store.resolveLocation('cnsgh')).toBeUndefined();
    expect(await store.resolveLocation("'; DROP TABLE ports; --")).toBeUndefined();
  });

  it('keeps its data and schema version across a reopen', async () => {
    await store.close();
    store = openSqliteStore(dataDir);
    expect(await store.referenceDataCounts()).toEqual({ regions: 20, ports: 143 });
  });
});
