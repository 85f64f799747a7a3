import type { ApolloServer } from '@apollo/server';
import { createExchangeRateService, createServices } from '../../../src/app/rateline';
import { OPEN_ACCESS } from '../../../src/auth';
import {
  buildRatelineSchema,
  createGraphqlServer,
  createRequestContext,
  type RequestContext,
} from '../../../src/graphql';
import { readReferenceDataset } from '../../../src/reference-data';
import type { AnalyticsStore } from '../../../src/stores/analytics';
import type { OperationalStore } from '../../../src/stores/operational';
import {
  openChdbStore,
  openSqliteStore,
  removeDataDir,
  silentLog,
  temporaryDataDir,
  testConfig,
} from '../../helpers/components';
import { portsOf, rawPorts, rawRegions } from '../../helpers/reference-answers';

/** The real store, with every call it receives written down (a spy, not a stand-in). */
/** The store with its reference-data port recording the name of every call made to it. */
function recordingCalls(store: OperationalStore): { store: OperationalStore; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(store.referenceData, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        calls.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: { ...store, referenceData: proxy }, calls };
}

let dataDir: string;
let operational: OperationalStore;
let analytics: AnalyticsStore;
let apollo: ApolloServer<RequestContext>;

beforeAll(async () => {
  dataDir = temporaryDataDir();
  operational = openSqliteStore(dataDir);
  analytics = await openChdbStore(dataDir);
  await operational.referenceData.upsert(readReferenceDataset());
  const schema = await buildRatelineSchema();
  apollo = createGraphqlServer({ schema, limits: testConfig(dataDir).limits, log: silentLog });
  await apollo.start();
});
afterAll(async () => {
  await apollo.stop();
  await operational.close();
  await analytics.close();
  removeDataDir(dataDir);
});

async function execute(query: string, store: OperationalStore = operational, variables?: Record<string, unknown>) {
  const contextValue = createRequestContext(
    createServices(
      testConfig(dataDir),
      { operational: store, analytics },
      createExchangeRateService(testConfig(dataDir), store.exchangeRates),
    ),
    OPEN_ACCESS,
    'address:test',
    silentLog,
  );
  const response = await apollo.executeOperation({ query, variables }, { contextValue });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult;
}

interface RegionAnswer {
  slug: string;
  name: string;
  parent: { slug: string } | null;
  children: { slug: string; ports: { code: string }[] }[];
  ports: { code: string; region: { slug: string; parent: { slug: string } | null } }[];
}

describe('ports and regions over GraphQL', () => {
  const ALL_REGIONS = `{
    regions {
      slug name
      parent { slug }
      children { slug ports { code } }
      ports { code region { slug parent { slug } } }
    }
  }`;

  it('answers all regions with parent, children and ports as the reference data says', async () => {
    const result = await execute(ALL_REGIONS, operational);
    expect(result.errors).toBeUndefined();
    const regions = (result.data as { regions: RegionAnswer[] }).regions;
    expect(regions.map((r) => r.slug)).toEqual(rawRegions.map((r) => r.slug).sort());
    for (const region of regions) {
      const raw = rawRegions.find((r) => r.slug === region.slug)!;
      expect(region.parent?.slug ?? null).toBe(raw.parent);
      expect(region.children.map((c) => c.slug)).toEqual(
        rawRegions
          .filter((r) => r.parent === region.slug)
          .map((r) => r.slug)
          .sort(),
      );
      expect(region.ports.map((p) => p.code)).toEqual([...portsOf(region.slug)].sort());
      for (const port of region.ports) {
        expect(port.region.slug).toBe(rawPorts.find((p) => p.code === port.code)!.region);
      }
    }
  });

  it('makes a bounded number of store calls, however many regions and ports it lists', async () => {
    const recorded = recordingCalls(operational);
    await execute(ALL_REGIONS, recorded.store);
    // One call per kind of lookup (the children's ports batch with the regions' own); parents and the
    // ports' regions come from the cache that listing all regions primed.
    expect(recorded.calls.sort()).toEqual(['allRegions', 'childRegionsFor', 'portsWithinRegions']);
  });

  it('looks up one port and one region, null for unknown ones', async () => {
    const result = await execute(
      '{ port(code: "SESTO") { code name region { slug parent { slug parent { slug } } } } region(slug: "nowhere") { slug } nope: port(code: "XXXXX") { code } }',
      operational,
    );
    expect(result.data).toEqual({
      port: {
        code: 'SESTO',
        name: 'Stockholm',
        region: { slug: 'stockholm_area', parent: { slug: 'scandinavia', parent: { slug: 'northern_europe' } } },
      },
      region: null,
      nope: null,
    });
  });

  it('lists every port once', async () => {
    const result = await execute('{ ports { code name region { slug } } }', operational);
    const ports = (result.data as { ports: { code: string; name: string; region: { slug: string } }[] }).ports;
    expect(ports).toEqual(
      [...rawPorts]
        .sort((a, b) => a.code.localeCompare(b.code))
        .map((p) => ({ code: p.code, name: p.name, region: { slug: p.region } })),
    );
  });
});

describe('query limits', () => {
  const EXPENSIVE = '{ regions { children { children { ports { region { ports { code } } } } } } }';

  it('refuses the same expensive operation every time it is sent', async () => {
    for (let i = 0; i < 3; i++) {
      const result = await execute(EXPENSIVE, operational);
      expect(result.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
    }
  });

  it('prices an operation whose cost depends on @include variables per request', async () => {
    const query = `query ($deep: Boolean!) {
      regions { slug children @include(if: $deep) { children { ports { region { ports { code } } } } } }
    }`;
    const cheap = await execute(query, operational, { deep: false });
    expect(cheap.errors).toBeUndefined();
    const costly = await execute(query, operational, { deep: true });
    expect(costly.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('still prices an operation first sent with variables that do not coerce', async () => {
    const query = `query ($code: String!) { port(code: $code) { code } regions { children { children { ports { region { ports { code } } } } } } }`;
    const invalid = await execute(query, operational, { code: 42 });
    expect(invalid.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const valid = await execute(query, operational, { code: 'CNSGH' });
    expect(valid.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuses an operation nested deeper than MAX_QUERY_DEPTH', async () => {
    const deep = `{ port(code: "SESTO") { region { ${'parent { '.repeat(10)} slug ${'} '.repeat(10)} } } }`;
    const result = await execute(deep, operational);
    expect(result.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
    expect(result.errors![0]!.message).toMatch(/depth/);
  });

  it('refuses lists nested in lists beyond MAX_QUERY_COMPLEXITY, before touching a store', async () => {
    const recorded = recordingCalls(operational);
    const result = await execute(
      '{ regions { children { children { ports { region { ports { code } } } } } } }',
      recorded.store,
    );
    expect(result.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
    expect(result.errors![0]!.message).toMatch(/costs \d+, over the limit of 10000/);
    expect(recorded.calls).toEqual([]);
  });
});
