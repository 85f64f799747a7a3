/**
 * The read path of issue 17 over the whole service (GraphQL and REST, answer cache on): the dimension
 * filters, the market's spread and the change over time against an oracle computed here from the raw
 * prices the test wrote, before and after a retraction. The prices go in through the analytics replica
 * port the replicator uses, with container types and contract terms; their days (2021) are far from
 * the reference dataset's (January 2016), so they are the only prices the questions see.
 */
import type { PriceRecord } from '../../../src/domain/batch';
import { addDays, formatDay, parseDay, type EpochDay } from '../../../src/domain/day';
import { CONTAINER_TYPES, type ContainerType, type ContractTerm } from '../../../src/domain/freight-dimensions';
import { SPREAD_FIELDS, SPREAD_QUANTILES, type SpreadField } from '../../../src/domain/market-spread';
import { periodStart, periodStarts } from '../../../src/domain/period';
import { seededRandom } from '../../../scripts/seeded-random';
import { startTestService, type TestService } from '../../helpers/components';

const ORIGINS = ['CNSGH', 'CNNBO', 'CNYTN', 'CNDAL'];
const DESTINATIONS = ['NLRTM', 'DEHAM', 'BEANR', 'GBFXT'];
const FIRST_DAY = parseDay('2021-03-01')!;
const DAYS = 35;
const TYPES: readonly (ContainerType | null)[] = [null, '20DC', '40DC', '40HC'];
const TERMS: readonly (ContractTerm | null)[] = [null, 'SHORT_TERM', 'LONG_TERM'];

interface RawPrice {
  readonly batchId: string;
  readonly originCode: string;
  readonly destinationCode: string;
  readonly day: EpochDay;
  readonly usdCents: number;
  readonly containerType: ContainerType | null;
  readonly contractTerm: ContractTerm | null;
}

interface Filter {
  readonly containerTypes?: readonly ContainerType[];
  readonly contractTerm?: ContractTerm;
}

interface Question extends Filter {
  readonly origins: readonly string[];
  readonly from: EpochDay;
  readonly to: EpochDay;
  readonly minPrices: number;
}

const random = seededRandom(17_2026);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

let service: TestService;
let live: RawPrice[] = [];

function randomBatch(batchId: string, size: number): RawPrice[] {
  return Array.from({ length: size }, () => ({
    batchId,
    // Most prices on two ports, so that some days have many and some few (minPrices matters).
    originCode: random() < 0.7 ? pick(ORIGINS.slice(0, 2)) : pick(ORIGINS),
    destinationCode: random() < 0.7 ? pick(DESTINATIONS.slice(0, 2)) : pick(DESTINATIONS),
    day: addDays(FIRST_DAY, Math.floor(random() * DAYS)),
    usdCents: 50_000 + Math.floor(random() * 400_000),
    containerType: pick(TYPES),
    contractTerm: pick(TERMS),
  }));
}

const asRecords = (prices: readonly RawPrice[]): PriceRecord[] =>
  prices.map((p, itemIndex) => ({
    itemIndex,
    originCode: p.originCode,
    destinationCode: p.destinationCode,
    day: p.day,
    usdCents: p.usdCents,
    currency: 'USD',
    amountMinor: p.usdCents,
    usdPerUnit: '1',
    containerType: p.containerType,
    contractTerm: p.contractTerm,
  }));

/** R's type 7: linear between the ranks around (n − 1) · q of the sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lower = Math.floor(h);
  const below = sorted[lower]!;
  const above = sorted[Math.min(lower + 1, sorted.length - 1)]!;
  return below + (h - lower) * (above - below);
}

const counts = (p: RawPrice, f: Filter): boolean =>
  (f.containerTypes === undefined || (p.containerType !== null && f.containerTypes.includes(p.containerType))) &&
  (f.contractTerm === undefined || p.contractTerm === f.contractTerm);

function pricesOf(q: Question, from: EpochDay, to: EpochDay): RawPrice[] {
  return live.filter((p) => q.origins.includes(p.originCode) && p.day >= from && p.day <= to && counts(p, q));
}

const dollars = (cents: number): number => Math.round(cents) / 100;
const mean = (prices: readonly RawPrice[]): number => prices.reduce((s, p) => s + p.usdCents, 0) / prices.length;

function eachDay(q: Question): { day: EpochDay; prices: RawPrice[]; enough: boolean }[] {
  const days = [];
  for (let day = q.from; day <= q.to; day = addDays(day, 1)) {
    const prices = pricesOf(q, day, day);
    days.push({ day, prices, enough: prices.length >= q.minPrices });
  }
  return days;
}

/** Each day of the question as GraphQL answers it, with the spread. */
function oracleDays(q: Question): Record<string, unknown>[] {
  return eachDay(q).map(({ day, prices, enough }) => {
    const sorted = prices.map((p) => p.usdCents).sort((a, b) => a - b);
    return {
      day: formatDay(day),
      priceCount: prices.length,
      averagePrice: enough ? dollars(mean(prices)) : null,
      ...Object.fromEntries(
        SPREAD_FIELDS.map((f) => [f, enough ? dollars(quantile(sorted, SPREAD_QUANTILES[f])) : null]),
      ),
    };
  });
}

function randomQuestion(): Question {
  const from = addDays(FIRST_DAY, Math.floor(random() * DAYS) - 2);
  const types = CONTAINER_TYPES.filter(() => random() < 0.4);
  return {
    origins: random() < 0.5 ? ORIGINS : [pick(ORIGINS)],
    from,
    to: addDays(from, Math.floor(random() * 12)),
    minPrices: 1 + Math.floor(random() * 4),
    ...(random() < 0.6 && types.length > 0 && { containerTypes: types }),
    ...(random() < 0.5 && { contractTerm: pick(['SHORT_TERM', 'LONG_TERM'] as const) }),
  };
}

/** The origin a question names: a port, or all four as the region's ports are not these. */
const argsOf = (q: Question) => ({
  origin: q.origins.length === 1 ? q.origins[0] : 'china_main',
  destination: 'north_europe_main',
  dateFrom: formatDay(q.from),
  dateTo: formatDay(q.to),
  minPrices: q.minPrices,
  containerTypes: q.containerTypes ?? null,
  contractTerm: q.contractTerm ?? null,
});

const ARGS =
  '$origin: String!, $destination: String!, $dateFrom: Date!, $dateTo: Date!, $minPrices: Int, ' +
  '$containerTypes: [String!], $contractTerm: ContractTerm';
const PASS =
  'origin: $origin, destination: $destination, dateFrom: $dateFrom, dateTo: $dateTo, minPrices: $minPrices, ' +
  'containerTypes: $containerTypes, contractTerm: $contractTerm';

async function data<Data>(query: string, variables: Record<string, unknown>): Promise<Data> {
  const answer = await service.graphql<Data>(query, variables);
  expect(answer.errors).toBeUndefined();
  return answer.data!;
}

async function expectAnswersAsTheOracle(questions: number): Promise<void> {
  let daysWithSpread = 0;
  for (let i = 0; i < questions; i++) {
    const q = randomQuestion();
    const expected = oracleDays(q);
    const plain = expected.map((d) => ({ day: d.day, priceCount: d.priceCount, averagePrice: d.averagePrice }));
    // The plain answer first, then the spread one of the same question: the cache must tell them apart.
    const before = await data<{ rates: unknown[] }>(
      `query(${ARGS}) { rates(${PASS}) { day priceCount averagePrice } }`,
      argsOf(q),
    );
    expect({ q, days: before.rates }).toEqual({ q, days: plain });
    const spread = await data<{ rates: unknown[] }>(
      `query(${ARGS}) { rates(${PASS}) { day priceCount averagePrice ...spread } }
       fragment spread on DailyRate { low p25 median p75 high }`,
      argsOf(q),
    );
    expect({ q, days: spread.rates }).toEqual({ q, days: expected });
    const scoped = await data<{ ratesWithScope: { days: unknown[] } }>(
      `query(${ARGS}) { ratesWithScope(${PASS}) { days { day priceCount averagePrice low p25 median p75 high } } }`,
      argsOf(q),
    );
    expect({ q, days: scoped.ratesWithScope.days }).toEqual({ q, days: expected });
    daysWithSpread += expected.filter((d) => d.low !== null).length;
  }
  expect(daysWithSpread).toBeGreaterThan(questions);
}

beforeAll(async () => {
  service = await startTestService();
  for (let b = 0; b < 5; b++) {
    const prices = randomBatch(`dims-${b}`, 400 + Math.floor(random() * 200));
    await service.running.stores.analytics.replica.applyChanges({
      batches: [{ batchId: `dims-${b}`, prices: asRecords(prices) }],
      retractedBatchIds: [],
    });
    live.push(...prices);
  }
}, 120_000);
afterAll(() => service?.stop());

it('answers filtered and spread rates as the raw prices say; unfiltered ones count every price', async () => {
  // A question without filters counts every price, unspecified ones too.
  const all = { origins: ORIGINS, from: FIRST_DAY, to: addDays(FIRST_DAY, 6), minPrices: 1 };
  const answer = await data<{ rates: { priceCount: number }[] }>(
    `query(${ARGS}) { rates(${PASS}) { priceCount } }`,
    argsOf(all),
  );
  expect(answer.rates.reduce((s, d) => s + d.priceCount, 0)).toBe(pricesOf(all, all.from, all.to).length);
  await expectAnswersAsTheOracle(25);
}, 120_000);

it('answers as the raw prices say after a retraction', async () => {
  await service.running.stores.analytics.replica.applyChanges({ batches: [], retractedBatchIds: ['dims-1'] });
  live = live.filter((p) => p.batchId !== 'dims-1');
  await expectAnswersAsTheOracle(15);
}, 120_000);

it('gives each week its change against the week before, the first one too, and its low and high', async () => {
  for (let i = 0; i < 8; i++) {
    const q = { ...randomQuestion(), minPrices: 1 };
    const to = addDays(q.from, Math.floor(random() * 20));
    const series = await data<{
      rateSeries: {
        periods: { periodStart: string; change: number | null; low: number | null; high: number | null }[];
      };
    }>(
      `query(${ARGS.replace(', $minPrices: Int', '')}) { rateSeries(${PASS.replace(', minPrices: $minPrices', '')}, granularity: WEEK) {
         periods { periodStart change low high } } }`,
      { ...argsOf(q), dateTo: formatDay(to), minPrices: undefined },
    );
    const starts = periodStarts(q.from, to, 'WEEK');
    const meanOf = (from: EpochDay, last: EpochDay): number | null => {
      const prices = pricesOf(q, from, last);
      return prices.length === 0 ? null : mean(prices);
    };
    const first = starts[0]!;
    let previous = meanOf(periodStart(addDays(first, -1), 'WEEK'), addDays(first, -1));
    const expected = starts.map((start) => {
      const [from, last] = [start < q.from ? q.from : start, addDays(start, 6) > to ? to : addDays(start, 6)];
      const current = meanOf(from, last);
      const change = previous === null || current === null ? null : Math.round((current / previous - 1) * 1e4) / 1e4;
      previous = current;
      const sorted = pricesOf(q, from, last)
        .map((p) => p.usdCents)
        .sort((x, y) => x - y);
      const spread = (at: number): number | null => (sorted.length === 0 ? null : dollars(quantile(sorted, at)));
      return { periodStart: formatDay(start), change, low: spread(0.025), high: spread(0.975) };
    });
    expect({ q, periods: series.rateSeries.periods }).toEqual({ q, periods: expected });
  }
}, 60_000);

it('filters laneStats as the raw prices say', async () => {
  const q: Question = {
    origins: ORIGINS,
    from: FIRST_DAY,
    to: addDays(FIRST_DAY, DAYS - 1),
    minPrices: 1,
    containerTypes: ['40HC'],
    contractTerm: 'LONG_TERM',
  };
  const answer = await data<{
    laneStats: { origin: { code: string }; destination: { code: string }; priceCount: number }[];
  }>(
    `query(${ARGS.replace(', $minPrices: Int', '')}) { laneStats(${PASS.replace(', minPrices: $minPrices', '')}, first: 50) {
       origin { code } destination { code } priceCount } }`,
    { ...argsOf(q), minPrices: undefined },
  );
  const lanes = answer.laneStats;
  const expected = new Map<string, number>();
  for (const p of pricesOf(q, q.from, q.to)) {
    const key = `${p.originCode}>${p.destinationCode}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  expect(new Map(lanes.map((l) => [`${l.origin.code}>${l.destination.code}`, l.priceCount]))).toEqual(expected);
});

it('answers GET /rates in the original shape, with filters and fields= as asked', async () => {
  const q: Question = { origins: ['CNSGH'], from: FIRST_DAY, to: addDays(FIRST_DAY, 9), minPrices: 3 };
  const lane = `origin=CNSGH&destination=north_europe_main&date_from=${formatDay(q.from)}&date_to=${formatDay(q.to)}`;
  const plain = await service.get(`/rates?${lane}`);
  expect(plain.status).toBe(200);
  // Whole dollars, each rounded once from the unrounded cents.
  const restOracle = (question: Question, fields: readonly SpreadField[]) =>
    eachDay(question).map(({ day, prices, enough }) => {
      const sorted = prices.map((p) => p.usdCents).sort((x, y) => x - y);
      const whole = (cents: number) => (enough ? Math.round(cents / 100) : null);
      return {
        day: formatDay(day),
        average_price: whole(mean(prices)),
        ...Object.fromEntries(fields.map((f) => [f, whole(quantile(sorted, SPREAD_QUANTILES[f]))])),
      };
    });
  expect(plain.body).toEqual(restOracle(q, []));
  const filtered: Question = { ...q, containerTypes: ['20DC', '40HC'], contractTerm: 'SHORT_TERM' };
  const answer = await service.get(`/rates?${lane}&container_types=40HQ,20dc&contract_term=short_term&fields=high,low`);
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual(restOracle(filtered, ['low', 'high']));
  expect((answer.body as object[]).some((d) => (d as { low: unknown }).low !== null)).toBe(true);
});

it('refuses an unknown code, naming the field and the accepted codes, over GraphQL and REST', async () => {
  const q = { origins: ORIGINS, from: FIRST_DAY, to: FIRST_DAY, minPrices: 1 };
  const graphql = await service.graphql(`query(${ARGS}) { rates(${PASS}) { day } }`, {
    ...argsOf(q),
    containerTypes: ['40HC', '45XX'],
  });
  expect(graphql.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'containerTypes' });
  expect(graphql.errors?.[0]?.message).toContain('accepted: 20DC, 20RE, 20TK, 40DC, 40RH, 40HC');
  const lane = `origin=CNSGH&destination=NLRTM&date_from=2021-03-01&date_to=2021-03-02`;
  for (const [query, field] of [
    ['container_types=45XX', 'container_types'],
    ['contract_term=forever', 'contract_term'],
    ['fields=mean', 'fields'],
  ] as const) {
    const rest = await service.get(`/rates?${lane}&${query}`);
    expect(rest.status).toBe(400);
    expect(JSON.stringify(rest.body)).toContain(field);
    expect(JSON.stringify(rest.body)).toContain('BAD_USER_INPUT');
  }
  const csv = await service.get(`/export/rates.csv?${lane}&container_types=45XX`);
  expect(csv.status).toBe(400);
});
