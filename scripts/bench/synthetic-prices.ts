import type { ClickHouseClient } from '@clickhouse/client';
import type { ReferenceDataset } from '../../src/reference-data';
import { formatCount, formatSeconds } from './stats';
import { seededRandom } from '../seeded-random';

/**
 * Synthetic prices for the benchmark, generated inside ClickHouse (`INSERT … SELECT … FROM numbers()`)
 * so that no row passes through JavaScript.
 *
 * Shape: the real lanes of the reference dataset (China-side ports to Northern Europe), every day of
 * several calendar years, and each price thrown at random onto a lane-day with a probability set by the
 * lane's weight (bigger ports, more prices). Prices per lane-day are therefore Poisson-distributed around
 * a lane-specific rate: the busiest lanes get about a hundred a day, the quietest a couple, so many of
 * their days hold 0-2 prices and the `minPrices` rule has something to do. The price itself is the lane's
 * mean (500..3000 USD, by destination area) × a monthly market index (seasonality, a weak 2016 and the
 * late-2020 surge) × a lane-day level (±5 %) × the price's own noise (±12 %), in whole dollars like the
 * reference prices, stored as cents.
 *
 * Everything is a pure function of the row number and a seed (cityHash64), so a regeneration produces
 * the same rows again.
 *
 * These rows exist only in analytics: they are one pseudo-batch ({@link SYNTHETIC_BATCH_ID}, item_index =
 * row number) that the operational store never heard of. They bypass the write path on purpose: 10 M
 * prices through validation, SQLite and the replicator would take minutes on every fresh bench dir. So
 * the bench dir's two stores deliberately disagree (invariant 2 does not hold there), and no test
 * compares them; the replicator never touches this batch id, so nothing repairs or double-counts it.
 */

export const SYNTHETIC_BATCH_ID = 'bench-synthetic';

export interface SyntheticPricesOptions {
  /** Exact number of prices to hold. */
  readonly prices: number;
  /** First and last day, `YYYY-MM-DD`, both included. */
  readonly firstDay: string;
  readonly lastDay: string;
  /** Rows per INSERT; one progress line each. */
  readonly chunkRows: number;
  readonly seed: number;
}

export const DEFAULT_SYNTHETIC_OPTIONS: Omit<SyntheticPricesOptions, 'prices'> = {
  firstDay: '2016-01-01',
  lastDay: '2020-12-31',
  chunkRows: 1_000_000,
  seed: 20_160_101,
};

export interface SyntheticLane {
  readonly origin: string;
  readonly destination: string;
  /** Relative share of all prices. */
  readonly weight: number;
  readonly meanUsd: number;
}

export interface SyntheticPricesReport {
  readonly prices: number;
  readonly lanes: number;
  readonly days: number;
  /** False when the store already held exactly the requested prices and nothing was written. */
  readonly generated: boolean;
  /** Wall time of the generation (insert and merge), 0 when reused. */
  readonly seconds: number;
}

/** Relative traffic of the bigger ports; every other port counts 2. */
const ORIGIN_WEIGHT: Readonly<Record<string, number>> = {
  CNSGH: 8,
  CNNBO: 7,
  CNYTN: 6,
  CNSHK: 5,
  HKHKG: 5,
  CNQIN: 5,
  CNXAM: 3,
  CNTXG: 3,
  CNDAL: 3,
};
const DESTINATION_WEIGHT: Readonly<Record<string, number>> = {
  NLRTM: 8,
  DEHAM: 7,
  BEANR: 6,
  GBFXT: 5,
  DEBRV: 5,
  GBSOU: 3,
  FRLEH: 3,
  PLGDN: 3,
  SEGOT: 3,
  BEZEE: 3,
};

/** Typical USD per box into each destination area: mainline hubs cheapest, feeder-served ports dearer. */
const DESTINATION_AREA_USD: Readonly<Record<string, number>> = {
  north_europe_main: 1250,
  uk_main: 1300,
  north_europe_sub: 1500,
  uk_sub: 1550,
  kattegat: 1600,
  poland_main: 1600,
  baltic_main: 1850,
  finland_main: 1900,
  stockholm_area: 1900,
  baltic: 2000,
  russia_north_west: 2100,
  norway_south_east: 2050,
  norway_south_west: 2100,
  norway_north_west: 2300,
  scandinavia: 2350,
};
const ORIGIN_AREA_USD: Readonly<Record<string, number>> = {
  china_north_main: 150,
  china_east_main: 0,
  china_south_main: -50,
};

/** The reference dataset's lanes with a weight and a mean price each, in a fixed order. */
export function syntheticLanes(dataset: ReferenceDataset, seed: number): SyntheticLane[] {
  const regionOf = new Map(dataset.ports.map((p) => [p.code, p.regionSlug]));
  const keys = [...new Set(dataset.prices.map((p) => `${p.originCode}\t${p.destinationCode}`))].sort();
  const random = seededRandom(seed);
  return keys.map((key) => {
    const [origin = '', destination = ''] = key.split('\t');
    const base =
      (DESTINATION_AREA_USD[regionOf.get(destination) ?? ''] ?? 1800) +
      (ORIGIN_AREA_USD[regionOf.get(origin) ?? ''] ?? 0);
    const meanUsd = Math.min(3000, Math.max(500, Math.round(base * (0.8 + 0.45 * random()))));
    const weight = (ORIGIN_WEIGHT[origin] ?? 2) * (DESTINATION_WEIGHT[destination] ?? 2);
    return { origin, destination, weight, meanUsd };
  });
}

interface Month {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
}

function monthsBetween(firstDay: string, lastDay: string): Month[] {
  const [fy, fm] = firstDay.split('-').map(Number);
  const [ly, lm] = lastDay.split('-').map(Number);
  if (!fy || !fm || !ly || !lm) throw new Error(`bad day range ${firstDay}..${lastDay}`);
  const months: Month[] = [];
  for (let y = fy, m = fm; y < ly || (y === ly && m <= lm); m === 12 ? ((y += 1), (m = 1)) : (m += 1)) {
    months.push({ year: y, month: m });
  }
  return months;
}

/** The market's level in a month, relative to a normal year: ~0.75..1.8. */
function marketIndex({ year, month }: Month): number {
  const yearLevel: Readonly<Record<number, number>> = { 2016: 0.75, 2017: 0.92, 2018: 0.95, 2019: 1.0, 2020: 1.02 };
  const seasonal = 1 + 0.07 * Math.sin((2 * Math.PI * (month - 5)) / 12); // peak season in August
  const lunarNewYear = month === 2 ? 0.94 : 1;
  const surge = year === 2020 && month > 7 ? 1 + 0.15 * (month - 7) : 1;
  return (yearLevel[year] ?? 1) * seasonal * lunarNewYear * surge;
}

function daysBetween(firstDay: string, lastDay: string): number {
  const days = (Date.parse(`${lastDay}T00:00:00Z`) - Date.parse(`${firstDay}T00:00:00Z`)) / 86_400_000 + 1;
  if (!Number.isInteger(days) || days < 1) throw new Error(`bad day range ${firstDay}..${lastDay}`);
  return days;
}

const sqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** One INSERT … SELECT of `count` synthetic prices, rows `start` .. `start + count - 1`. */
function insertStatement(
  database: string,
  lanes: readonly SyntheticLane[],
  options: SyntheticPricesOptions,
  start: number,
  count: number,
): string {
  // Lane k (1-based) appears `weight` times, so a uniform slot picks lanes in proportion to their weight.
  const slots = lanes.flatMap((lane, i) => Array.from({ length: lane.weight }, () => i + 1));
  const months = monthsBetween(options.firstDay, options.lastDay);
  const [firstMonth] = months;
  if (!firstMonth) throw new Error('empty day range');
  const seed = options.seed;
  return `
    INSERT INTO ${database}.prices
      (origin_code, destination_code, day, usd_cents, batch_id, item_index, container_type, contract_term)
    SELECT origin_code, destination_code, day, usd_cents, batch_id, item_index, container_type, contract_term
      FROM (
        WITH
          [${slots.join(',')}] AS lane_of_slot,
          [${lanes.map((l) => sqlString(l.origin)).join(',')}] AS lane_origin,
          [${lanes.map((l) => sqlString(l.destination)).join(',')}] AS lane_destination,
          [${lanes.map((l) => l.meanUsd.toFixed(1)).join(',')}] AS lane_mean_usd,
          [${months.map((m) => marketIndex(m).toFixed(4)).join(',')}] AS market,
          toDate(${sqlString(options.firstDay)}) AS first_day
        SELECT
          number,
          lane_of_slot[1 + cityHash64(${seed}, number, 'lane') % ${slots.length}] AS lane,
          first_day + toUInt32(cityHash64(${seed}, number, 'day') % ${daysBetween(options.firstDay, options.lastDay)}) AS day,
          (toYear(day) - ${firstMonth.year}) * 12 + toMonth(day) - ${firstMonth.month} + 1 AS month_no,
          cityHash64(${seed}, lane, day) % 20001 / 10000 - 1 AS lane_day_noise,
          cityHash64(${seed}, number, 'price') AS h,
          (bitAnd(h, 65535) + bitAnd(bitShiftRight(h, 16), 65535) + bitAnd(bitShiftRight(h, 32), 65535)) / 98302.5 - 1
            AS price_noise,
          lane_origin[lane] AS origin_code,
          lane_destination[lane] AS destination_code,
          toInt64(greatest(100, round(lane_mean_usd[lane] * market[month_no]
                                      * (1 + 0.05 * lane_day_noise) * (1 + 0.12 * price_noise)))) * 100 AS usd_cents,
          ${sqlString(SYNTHETIC_BATCH_ID)} AS batch_id,
          toUInt64(number) AS item_index,
          -- Shares as on a trade lane's market: 40HC 40 %, 40DC 25 %, 20DC 25 %, 40RH 5 %, 20RE 3 %, 20TK 2 %;
          -- 55 % short term, 35 % long term, 10 % unspecified.
          cityHash64(${seed}, number, 'box') % 100 AS box,
          multiIf(box < 40, '40HC', box < 65, '40DC', box < 90, '20DC', box < 95, '40RH', box < 98, '20RE', '20TK')
            AS container_type,
          cityHash64(${seed}, number, 'term') % 100 AS term,
          multiIf(term < 55, 'SHORT_TERM', term < 90, 'LONG_TERM', '') AS contract_term
        FROM numbers(${start}, ${count})
      )`;
}

async function scalar(client: ClickHouseClient, query: string): Promise<number> {
  const result = await client.query({ query, format: 'JSONEachRow' });
  const [row] = await result.json<{ n: number | string }>();
  return Number(row?.n ?? 0);
}

const syntheticCount = (client: ClickHouseClient, database: string): Promise<number> =>
  scalar(client, `SELECT count() AS n FROM ${database}.prices WHERE batch_id = ${sqlString(SYNTHETIC_BATCH_ID)}`);

/**
 * Makes the analytics store hold exactly `options.prices` synthetic prices: keeps them when they are
 * all there, otherwise drops any partial set and generates them, then merges the table into one part
 * so that every run measures the same layout.
 */
export async function ensureSyntheticPrices(
  client: ClickHouseClient,
  database: string,
  dataset: ReferenceDataset,
  options: SyntheticPricesOptions,
  progress: (message: string) => void,
): Promise<SyntheticPricesReport> {
  const lanes = syntheticLanes(dataset, options.seed);
  const days = daysBetween(options.firstDay, options.lastDay);
  const present = await syntheticCount(client, database);
  if (present === options.prices) {
    progress(`analytics store already holds ${formatCount(present)} synthetic prices; reusing them`);
    return { prices: present, lanes: lanes.length, days, generated: false, seconds: 0 };
  }

  const started = performance.now();
  const elapsed = (): string => formatSeconds((performance.now() - started) / 1000);
  if (present > 0) {
    const total = await scalar(client, `SELECT count() AS n FROM ${database}.prices`);
    progress(`found ${formatCount(present)} synthetic prices, want ${formatCount(options.prices)}: removing them`);
    if (total === present) {
      await client.command({ query: `TRUNCATE TABLE ${database}.prices` });
    } else {
      await client.command({
        query: `ALTER TABLE ${database}.prices DELETE WHERE batch_id = ${sqlString(SYNTHETIC_BATCH_ID)}`,
        clickhouse_settings: { mutations_sync: '2' },
      });
    }
  }

  const totalWeight = lanes.reduce((sum, lane) => sum + lane.weight, 0);
  const perLaneDay = (weight: number): string => ((options.prices * weight) / totalWeight / days).toFixed(1);
  progress(
    `generating ${formatCount(options.prices)} synthetic prices: ${lanes.length} lanes × ${days} days ` +
      `(${options.firstDay}..${options.lastDay}), ${perLaneDay(Math.min(...lanes.map((l) => l.weight)))}..` +
      `${perLaneDay(Math.max(...lanes.map((l) => l.weight)))} prices per lane-day on average`,
  );
  for (let start = 0; start < options.prices; start += options.chunkRows) {
    const count = Math.min(options.chunkRows, options.prices - start);
    await client.command({ query: insertStatement(database, lanes, options, start, count) });
    progress(`  inserted ${formatCount(start + count)} / ${formatCount(options.prices)} (${elapsed()})`);
  }
  progress(`  merging into one part (${elapsed()})`);
  await client.command({ query: `OPTIMIZE TABLE ${database}.prices FINAL` });

  const written = await syntheticCount(client, database);
  if (written !== options.prices) {
    throw new Error(`generated ${written} synthetic prices instead of ${options.prices}`);
  }
  const seconds = (performance.now() - started) / 1000;
  progress(`generated ${formatCount(written)} synthetic prices in ${formatSeconds(seconds)}`);
  return { prices: written, lanes: lanes.length, days, generated: true, seconds };
}

/** Shape of what is stored, for the progress log: parts, size, and how often minPrices (3) bites. */
export async function describeSyntheticPrices(
  client: ClickHouseClient,
  database: string,
  report: SyntheticPricesReport,
  progress: (message: string) => void,
): Promise<void> {
  const parts = await client.query({
    query: `SELECT count() AS parts, sum(rows) AS rows, sum(bytes_on_disk) AS bytes
              FROM system.parts WHERE database = {db:String} AND table = 'prices' AND active`,
    query_params: { db: database },
    format: 'JSONEachRow',
  });
  const [layout] = await parts.json<{ parts: number | string; rows: number | string; bytes: number | string }>();
  const laneDays = await client.query({
    query: `SELECT count() AS present, countIf(n < 3) AS few, max(n) AS most, avg(price) AS mean_usd
              FROM (SELECT count() AS n, avg(usd_cents) / 100 AS price FROM ${database}.prices
                     WHERE batch_id = ${sqlString(SYNTHETIC_BATCH_ID)}
                     GROUP BY origin_code, destination_code, day)`,
    format: 'JSONEachRow',
  });
  const [shape] = await laneDays.json<{
    present: number | string;
    few: number | string;
    most: number | string;
    mean_usd: number | string;
  }>();
  const all = report.lanes * report.days;
  const present = Number(shape?.present ?? 0);
  const thin = all - present + Number(shape?.few ?? 0);
  progress(
    `analytics prices: ${formatCount(Number(layout?.rows ?? 0))} rows in ${layout?.parts ?? '?'} part(s), ` +
      `${(Number(layout?.bytes ?? 0) / 2 ** 20).toFixed(0)} MiB on disk; lane-days with 0-2 prices: ` +
      `${((100 * thin) / all).toFixed(1)} % of ${formatCount(all)}; most prices on one lane-day: ${shape?.most ?? '?'}; ` +
      `mean price ${Number(shape?.mean_usd ?? 0).toFixed(0)} USD`,
  );
}
