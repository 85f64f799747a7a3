/**
 * `rates` and `ratesWithScope` read the daily lane totals (the projection): their answers on random
 * lanes (ports and regions), ranges and `minPrices` equal what the test computes itself from the raw
 * prices it wrote, before and after retractions, through the real write path and replicator.
 */
import { ExchangeRateService, OfflineRateProvider } from '../../../src/currencies';
import { addDays, formatDay, parseDay, type EpochDay } from '../../../src/domain/day';
import { LocationsService } from '../../../src/locations';
import { RatesService } from '../../../src/rates';
import { readReferenceDataset } from '../../../src/reference-data';
import { TEST_SUPPLIER } from '../../helpers/batch-actors';
import { closeEmbeddedStores, openEmbeddedStores, type EmbeddedStores } from '../../helpers/components';
import { FAST_REPLICATOR_OPTIONS, newReplicator } from '../../helpers/replication';

/** A small deterministic generator (mulberry32), so that a failure can be run again as it was. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const dataset = readReferenceDataset();

/** The ports at or below a region, from the reference dataset itself. */
function portsOf(location: string): string[] {
  if (dataset.ports.some((p) => p.code === location)) return [location];
  const below = new Set([location]);
  for (let grew = true; grew;) {
    grew = false;
    for (const region of dataset.regions) {
      if (region.parentSlug !== null && below.has(region.parentSlug) && !below.has(region.slug)) {
        below.add(region.slug);
        grew = true;
      }
    }
  }
  return dataset.ports.filter((p) => below.has(p.regionSlug)).map((p) => p.code);
}

const ORIGIN_REGION = 'china_main';
const DESTINATION_REGION = 'north_europe_main';
const originPorts = portsOf(ORIGIN_REGION);
const destinationPorts = portsOf(DESTINATION_REGION);
/** What a question may name: either region, or one of its ports. */
const origins = [ORIGIN_REGION, ...originPorts];
const destinations = [DESTINATION_REGION, ...destinationPorts];
const FIRST_DAY = parseDay('2016-02-01')!;
const DAYS = 40;

interface WrittenPrice {
  readonly batch: number;
  readonly origin: string;
  readonly destination: string;
  readonly day: EpochDay;
  readonly usdCents: number;
}

let stores: EmbeddedStores;
let rates: RatesService;
const written: WrittenPrice[] = [];
const batchIds: string[] = [];
const retracted = new Set<number>();
const draw = random(20_261_204);
const pick = <T>(items: readonly T[]): T => items[Math.floor(draw() * items.length)] as T;

async function replicate(): Promise<void> {
  const replicator = newReplicator(stores.operational, stores.analytics.replica, FAST_REPLICATOR_OPTIONS);
  replicator.start();
  await replicator.caughtUp(60_000);
  await replicator.stop();
}

beforeAll(async () => {
  expect(originPorts.length).toBeGreaterThan(2);
  expect(destinationPorts.length).toBeGreaterThan(2);
  stores = await openEmbeddedStores();
  const exchangeRates = new ExchangeRateService(new OfflineRateProvider(stores.operational.exchangeRates));
  rates = new RatesService({
    locations: new LocationsService(stores.operational.referenceData),
    analytics: stores.analytics.totals,
    exchangeRates,
    maxRangeDays: 3660,
  });
  // Few ports carry most prices, so that some days have many and some none or one (minPrices matters).
  const busyOrigins = originPorts.slice(0, 3);
  const busyDestinations = destinationPorts.slice(0, 3);
  for (let batch = 0; batch < 8; batch++) {
    const items = Array.from({ length: 150 + Math.floor(draw() * 150) }, () => {
      const origin = draw() < 0.8 ? pick(busyOrigins) : pick(originPorts);
      const destination = draw() < 0.8 ? pick(busyDestinations) : pick(destinationPorts);
      const day = addDays(FIRST_DAY, Math.floor(draw() * DAYS));
      const dollars = 500 + Math.floor(draw() * 2_000);
      written.push({ batch, origin, destination, day, usdCents: dollars * 100 });
      return { originCode: origin, destinationCode: destination, day: formatDay(day), price: dollars, currency: 'USD' };
    });
    const recorded = await stores.ingest.submitPriceBatch(TEST_SUPPLIER, {
      items,
      idempotencyKey: `oracle-${batch}`,
      skipInvalid: false,
    });
    expect(recorded.acceptedCount).toBe(items.length);
    batchIds.push(recorded.id);
  }
  await replicate();
}, 120_000);
afterAll(() => closeEmbeddedStores(stores));

interface Question {
  readonly origin: string;
  readonly destination: string;
  readonly from: EpochDay;
  readonly to: EpochDay;
  readonly minPrices: number;
}

function randomQuestion(): Question {
  const from = addDays(FIRST_DAY, Math.floor(draw() * DAYS) - 3);
  return {
    origin: pick(origins),
    destination: pick(destinations),
    from,
    to: addDays(from, Math.floor(draw() * 20)),
    minPrices: 1 + Math.floor(draw() * 5),
  };
}

/** Each day of the range: its count and, from `minPrices` prices on, its mean, from the prices written. */
function oracle(q: Question): { day: string; priceCount: number; meanUsdCents: number | null }[] {
  const from = new Set(portsOf(q.origin));
  const to = new Set(portsOf(q.destination));
  const days = [];
  for (let day = q.from; day <= q.to; day = addDays(day, 1)) {
    const counted = written.filter(
      (p) => !retracted.has(p.batch) && p.day === day && from.has(p.origin) && to.has(p.destination),
    );
    const sum = counted.reduce((total, p) => total + p.usdCents, 0);
    days.push({
      day: formatDay(day),
      priceCount: counted.length,
      meanUsdCents: counted.length >= q.minPrices ? sum / counted.length : null,
    });
  }
  return days;
}

async function expectAnswersAsTheOracle(questions: number): Promise<void> {
  let daysWithPrices = 0;
  let daysUnderMinPrices = 0;
  for (let i = 0; i < questions; i++) {
    const q = randomQuestion();
    const arguments_ = {
      origin: q.origin,
      destination: q.destination,
      dateFrom: formatDay(q.from),
      dateTo: formatDay(q.to),
      minPrices: q.minPrices,
    };
    const expected = oracle(q);
    const answered = await rates.ratesInCurrency(arguments_);
    expect({ q, days: answered.days }).toEqual({
      q,
      days: expected.map((d) => ({ day: d.day, priceCount: d.priceCount, meanMinor: d.meanUsdCents })),
    });
    const scoped = await rates.ratesWithScope({ ...arguments_, fallback: 'NONE' });
    expect({ q, days: scoped.days }).toEqual({ q, days: expected });
    daysWithPrices += expected.filter((d) => d.priceCount > 0).length;
    daysUnderMinPrices += expected.filter((d) => d.priceCount > 0 && d.meanUsdCents === null).length;
  }
  // The questions did ask something: days with prices, some of them under their minPrices.
  expect(daysWithPrices).toBeGreaterThan(questions);
  expect(daysUnderMinPrices).toBeGreaterThan(0);
}

it('answers as the raw prices say on random lanes, ranges and minPrices', async () => {
  await expectAnswersAsTheOracle(60);
});

it('answers as the raw prices say after retractions, and after retracting again', async () => {
  for (const batch of [1, 4, 6]) {
    await stores.ingest.retractBatch(TEST_SUPPLIER, batchIds[batch]!);
    retracted.add(batch);
  }
  await replicate();
  await expectAnswersAsTheOracle(60);
  await stores.ingest.retractBatch(TEST_SUPPLIER, batchIds[4]!);
  await replicate();
  await expectAnswersAsTheOracle(20);
});
