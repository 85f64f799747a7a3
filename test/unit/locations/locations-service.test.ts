/**
 * LocationsService over a small in-memory reference-data port written here (only the reads the
 * service makes). The expected port sets are written out by hand from the tree below.
 */
import type { Port, Region } from '../../../src/domain/model';
import { LocationsService, type LocationLookups } from '../../../src/locations';
import { LaneRangeValidator } from '../../../src/rates/lane-range';

/*
 * asia
 * ├── china            CNTAO
 * │   └── china_east   CNNGB, CNSGH
 * └── (directly)       SGSIN
 * europe               DEHAM, NLRTM
 * └── nordics          (no port)
 */
const REGIONS: readonly Region[] = [
  { slug: 'asia', name: 'Asia', parentSlug: null },
  { slug: 'china', name: 'China', parentSlug: 'asia' },
  { slug: 'china_east', name: 'East China', parentSlug: 'china' },
  { slug: 'europe', name: 'Europe', parentSlug: null },
  { slug: 'nordics', name: 'Nordics', parentSlug: 'europe' },
];
const PORTS: readonly Port[] = [
  { code: 'CNSGH', name: 'Shanghai', regionSlug: 'china_east' },
  { code: 'CNNGB', name: 'Ningbo', regionSlug: 'china_east' },
  { code: 'CNTAO', name: 'Qingdao', regionSlug: 'china' },
  { code: 'SGSIN', name: 'Singapore', regionSlug: 'asia' },
  { code: 'NLRTM', name: 'Rotterdam', regionSlug: 'europe' },
  { code: 'DEHAM', name: 'Hamburg', regionSlug: 'europe' },
];

const byCode = (a: Port, b: Port) => (a.code < b.code ? -1 : 1);
const bySlug = (a: Region, b: Region) => (a.slug < b.slug ? -1 : 1);

/**
 * The reads of ReferenceDataStore, over the arrays above; `calls` counts the store calls made (the
 * revision aside, counted in `revisionReads`), `currentRevision` is what `revision()` answers.
 */
function inMemoryReferenceData(): LocationLookups & { calls: number; revisionReads: number; currentRevision: number } {
  const below = (slug: string): string[] => [
    slug,
    ...REGIONS.filter((r) => r.parentSlug === slug).flatMap((r) => below(r.slug)),
  ];
  const store = {
    calls: 0,
    revisionReads: 0,
    currentRevision: 1,
    revision: () => {
      store.revisionReads += 1;
      return Promise.resolve(store.currentRevision);
    },
    portsByCodes: (codes: readonly string[]) => {
      store.calls += 1;
      return Promise.resolve(codes.map((code) => PORTS.find((p) => p.code === code)));
    },
    regionsBySlugs: (slugs: readonly string[]) => {
      store.calls += 1;
      return Promise.resolve(slugs.map((slug) => REGIONS.find((r) => r.slug === slug)));
    },
    childRegionsFor: (slugs: readonly string[]) => {
      store.calls += 1;
      return Promise.resolve(slugs.map((slug) => REGIONS.filter((r) => r.parentSlug === slug).sort(bySlug)));
    },
    portsWithinRegions: (slugs: readonly string[]) => {
      store.calls += 1;
      return Promise.resolve(
        slugs.map((slug) => {
          const within = REGIONS.some((r) => r.slug === slug) ? below(slug) : [];
          return PORTS.filter((p) => within.includes(p.regionSlug)).sort(byCode);
        }),
      );
    },
    allPorts: () => {
      store.calls += 1;
      return Promise.resolve([...PORTS].sort(byCode));
    },
    allRegions: () => {
      store.calls += 1;
      return Promise.resolve([...REGIONS].sort(bySlug));
    },
  };
  return store;
}

describe('LocationsService.resolve', () => {
  const service = new LocationsService(inMemoryReferenceData());

  it('resolves a port code to that port alone', async () => {
    expect(await service.resolve('CNSGH')).toEqual({ kind: 'port', id: 'CNSGH', portCodes: ['CNSGH'] });
  });

  it('resolves a region slug to every port below it, through nested child regions', async () => {
    expect(await service.resolve('asia')).toEqual({
      kind: 'region',
      id: 'asia',
      portCodes: ['CNNGB', 'CNSGH', 'CNTAO', 'SGSIN'],
    });
    expect(await service.resolve('china')).toEqual({
      kind: 'region',
      id: 'china',
      portCodes: ['CNNGB', 'CNSGH', 'CNTAO'],
    });
    expect(await service.resolve('china_east')).toEqual({
      kind: 'region',
      id: 'china_east',
      portCodes: ['CNNGB', 'CNSGH'],
    });
  });

  it('resolves a region without ports to an empty set, not to nothing', async () => {
    expect(await service.resolve('nordics')).toEqual({ kind: 'region', id: 'nordics', portCodes: [] });
  });

  it('resolves an id that names nothing to undefined (case matters)', async () => {
    expect(await service.resolve('atlantis')).toBeUndefined();
    expect(await service.resolve('cnsgh')).toBeUndefined();
    expect(await service.resolve('')).toBeUndefined();
  });

  it('an unknown id is UNKNOWN_LOCATION naming the argument and its value, through the lane validator', async () => {
    const lanes = new LaneRangeValidator(service, 3660);
    await expect(lanes.lane({ origin: 'CNSGH', destination: 'atlantis' })).rejects.toMatchObject({
      code: 'UNKNOWN_LOCATION',
      field: 'destination',
      value: 'atlantis',
    });
    await expect(lanes.lane({ origin: 'china', destination: 'europe' })).resolves.toEqual({
      origin: { kind: 'region', id: 'china', portCodes: ['CNNGB', 'CNSGH', 'CNTAO'] },
      destination: { kind: 'region', id: 'europe', portCodes: ['DEHAM', 'NLRTM'] },
    });
  });
});

describe('LocationsService.resolve, asked again', () => {
  it('keeps what it resolved while the reference data keeps its revision, and looks again once it moves on', async () => {
    const store = inMemoryReferenceData();
    const service = new LocationsService(store);
    const china = await service.resolve('china');
    const lookups = store.calls;
    expect(lookups).toBeGreaterThan(0);
    expect(await service.resolve('china')).toEqual(china);
    expect(await service.resolve('atlantis')).toBeUndefined();
    const withUnknown = store.calls;
    expect(await service.resolve('atlantis')).toBeUndefined();
    expect(store.calls).toBe(withUnknown);
    store.currentRevision += 1;
    expect(await service.resolve('china')).toEqual(china);
    expect(store.calls).toBe(withUnknown + lookups);
  });

  it('reads the revision once for both ends of a lane (every analytical request resolves a lane)', async () => {
    const store = inMemoryReferenceData();
    const lanes = new LaneRangeValidator(new LocationsService(store), 3660);
    await lanes.lane({ origin: 'china', destination: 'europe' });
    await lanes.lane({ origin: 'china', destination: 'europe' });
    expect(store.revisionReads).toBe(2);
  });
});

describe('LocationsReader', () => {
  it('answers parents, children, regions of ports and ports within, batching lookups per request', async () => {
    const store = inMemoryReferenceData();
    const reader = new LocationsService(store).forRequest();
    const [china, europe] = await Promise.all([reader.region('china'), reader.region('europe')]);
    expect(store.calls).toBe(1);
    expect(china).toEqual({ slug: 'china', name: 'China', parentSlug: 'asia' });
    expect((await reader.parentOf(china!))?.slug).toBe('asia');
    expect(await reader.parentOf(europe!)).toBeUndefined();
    expect((await reader.childrenOf(europe!)).map((r) => r.slug)).toEqual(['nordics']);
    expect((await reader.portsWithin(china!)).map((p) => p.code)).toEqual(['CNNGB', 'CNSGH', 'CNTAO']);
    const shanghai = await reader.port('CNSGH');
    expect((await reader.regionOf(shanghai!)).slug).toBe('china_east');
    expect(await reader.port('XXXXX')).toBeUndefined();
  });

  it('primes its cache from the full lists', async () => {
    const store = inMemoryReferenceData();
    const reader = new LocationsService(store).forRequest();
    expect((await reader.ports()).map((p) => p.code)).toEqual(['CNNGB', 'CNSGH', 'CNTAO', 'DEHAM', 'NLRTM', 'SGSIN']);
    expect((await reader.regions()).map((r) => r.slug)).toEqual(['asia', 'china', 'china_east', 'europe', 'nordics']);
    const calls = store.calls;
    await Promise.all([reader.port('SGSIN'), reader.region('nordics')]);
    expect(store.calls).toBe(calls);
  });
});
