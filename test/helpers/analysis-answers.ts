/**
 * The analyst questions (series, lane statistics, outliers, fallback) answered straight from their
 * definitions over the raw reference files, sharing no code with Rateline: the oracle for
 * test/integration/acceptance/analysis.test.ts. Money is handled in whole cents, rounded to cents half up at the end.
 */
import { portsOf, rawPorts, rawPrices, rawRegions } from './reference-answers';

export type Granularity = 'DAY' | 'WEEK' | 'MONTH' | 'QUARTER' | 'YEAR';
export type LaneOrder = 'VOLUME' | 'AVERAGE_PRICE' | 'VOLATILITY';

export interface OraclePrice {
  readonly origin: string;
  readonly destination: string;
  readonly day: string;
  readonly cents: number;
}

const usd = (cents: number): number => Math.round(cents) / 100;
const usdOrNull = (cents: number | null): number | null => (cents === null ? null : usd(cents));

/** Every price from the origin's ports to the destination's ports from `from` to `to` (inclusive). */
export function selectedPrices(origin: string, destination: string, from: string, to: string): OraclePrice[] {
  const origins = portsOf(origin);
  const destinations = portsOf(destination);
  return rawPrices
    .filter((p) => p.day >= from && p.day <= to && origins.has(p.origin) && destinations.has(p.destination))
    .map((p) => ({ origin: p.origin, destination: p.destination, day: p.day, cents: Math.round(p.price * 100) }));
}

/** Quantile q of ascending values, linear between the two nearest ranks (R type 7, NumPy's default). */
export function quantileType7(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lower = sorted[Math.floor(h)]!;
  const upper = sorted[Math.ceil(h)]!;
  return lower + (h - Math.floor(h)) * (upper - lower);
}

const ascending = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** Splits prices into those inside their lane's Tukey fences (1.5 × IQR) and those outside. */
export function tukeySplit(prices: readonly OraclePrice[]): { kept: OraclePrice[]; dropped: OraclePrice[] } {
  const byLane = new Map<string, number[]>();
  for (const p of prices) {
    const key = `${p.origin}>${p.destination}`;
    byLane.set(key, [...(byLane.get(key) ?? []), p.cents]);
  }
  const fences = new Map<string, [number, number]>();
  for (const [key, cents] of byLane) {
    const sorted = ascending(cents);
    const q1 = quantileType7(sorted, 0.25);
    const q3 = quantileType7(sorted, 0.75);
    fences.set(key, [q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)]);
  }
  const kept: OraclePrice[] = [];
  const dropped: OraclePrice[] = [];
  for (const p of prices) {
    const [low, high] = fences.get(`${p.origin}>${p.destination}`)!;
    (p.cents >= low && p.cents <= high ? kept : dropped).push(p);
  }
  return { kept, dropped };
}

/** The first day of the calendar period holding `day` (weeks: ISO, from Monday). */
export function periodOf(day: string, granularity: Granularity): string {
  const [year, month] = [day.slice(0, 4), Number(day.slice(5, 7))];
  switch (granularity) {
    case 'DAY':
      return day;
    case 'WEEK': {
      const date = new Date(`${day}T00:00:00Z`);
      const sinceMonday = (date.getUTCDay() + 6) % 7; // getUTCDay: Sunday 0 … Saturday 6
      return new Date(date.getTime() - sinceMonday * 86_400_000).toISOString().slice(0, 10);
    }
    case 'MONTH':
      return `${day.slice(0, 7)}-01`;
    case 'QUARTER':
      return `${year}-${String(Math.floor((month - 1) / 3) * 3 + 1).padStart(2, '0')}-01`;
    case 'YEAR':
      return `${year}-01-01`;
  }
}

function everyDay(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

export interface ExpectedPeriod {
  periodStart: string;
  averagePrice: number | null;
  minPrice: number | null;
  maxPrice: number | null;
  p25: number | null;
  median: number | null;
  p75: number | null;
  priceCount: number;
  outliersExcluded: number;
}

export interface ExpectedSeries {
  outliersExcluded: number;
  periods: ExpectedPeriod[];
}

export function expectedSeries(
  origin: string,
  destination: string,
  from: string,
  to: string,
  granularity: Granularity,
  excludeOutliers = false,
): ExpectedSeries {
  const all = selectedPrices(origin, destination, from, to);
  const { kept, dropped } = excludeOutliers ? tukeySplit(all) : { kept: all, dropped: [] };
  const starts = [...new Set(everyDay(from, to).map((d) => periodOf(d, granularity)))];
  const periods = starts.map((periodStart): ExpectedPeriod => {
    const cents = ascending(kept.filter((p) => periodOf(p.day, granularity) === periodStart).map((p) => p.cents));
    const outliersExcluded = dropped.filter((p) => periodOf(p.day, granularity) === periodStart).length;
    const has = cents.length > 0;
    return {
      periodStart,
      averagePrice: has ? usd(cents.reduce((s, c) => s + c, 0) / cents.length) : null,
      minPrice: has ? usd(cents[0]!) : null,
      maxPrice: has ? usd(cents.at(-1)!) : null,
      p25: has ? usd(quantileType7(cents, 0.25)) : null,
      median: has ? usd(quantileType7(cents, 0.5)) : null,
      p75: has ? usd(quantileType7(cents, 0.75)) : null,
      priceCount: cents.length,
      outliersExcluded,
    };
  });
  return { outliersExcluded: dropped.length, periods };
}

export interface ExpectedLane {
  origin: string;
  destination: string;
  priceCount: number;
  averagePrice: number;
  minPrice: number;
  maxPrice: number;
  /** Unrounded, for comparisons with a tolerance: floating-point sums may differ in the last bits. */
  stddevUsd: number;
  volatility: number;
  outliersExcluded: number;
}

export function expectedLaneStats(
  origin: string,
  destination: string,
  from: string,
  to: string,
  orderBy: LaneOrder,
  excludeOutliers = false,
): ExpectedLane[] {
  const all = selectedPrices(origin, destination, from, to);
  const { kept, dropped } = excludeOutliers ? tukeySplit(all) : { kept: all, dropped: [] };
  const lanes = new Map<string, { origin: string; destination: string; cents: number[]; dropped: number }>();
  const lane = (p: OraclePrice) => {
    const key = `${p.origin}>${p.destination}`;
    let entry = lanes.get(key);
    if (!entry) lanes.set(key, (entry = { origin: p.origin, destination: p.destination, cents: [], dropped: 0 }));
    return entry;
  };
  for (const p of kept) lane(p).cents.push(p.cents);
  for (const p of dropped) lane(p).dropped += 1;
  const rows = [...lanes.values()]
    .filter((l) => l.cents.length > 0)
    .map((l) => {
      const n = l.cents.length;
      const mean = l.cents.reduce((s, c) => s + c, 0) / n;
      const stddev = Math.sqrt(l.cents.reduce((s, c) => s + (c - mean) ** 2, 0) / n);
      return {
        origin: l.origin,
        destination: l.destination,
        priceCount: n,
        averagePrice: usd(mean),
        minPrice: usd(Math.min(...l.cents)),
        maxPrice: usd(Math.max(...l.cents)),
        stddevUsd: stddev / 100,
        volatility: stddev / mean,
        outliersExcluded: l.dropped,
        sortMean: mean,
      };
    });
  const key = (r: (typeof rows)[number]): number =>
    orderBy === 'VOLUME' ? r.priceCount : orderBy === 'AVERAGE_PRICE' ? r.sortMean : r.volatility;
  rows.sort(
    (a, b) =>
      key(b) - key(a) ||
      (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0) ||
      (a.destination < b.destination ? -1 : a.destination > b.destination ? 1 : 0),
  );
  return rows.map(({ sortMean: _sortMean, ...r }) => r);
}

export interface ExpectedScope {
  kind: 'PORT' | 'REGION';
  id: string;
  levelsUp: number;
}

export interface ExpectedScopedRates {
  days: { day: string; averagePrice: number | null; priceCount: number }[];
  originScope: ExpectedScope;
  destinationScope: ExpectedScope;
  outliersExcluded: number;
}

/** The region directly above a port or region; undefined at the top. */
export function parentOf(id: string): string | undefined {
  const port = rawPorts.find((p) => p.code === id);
  if (port) return port.region;
  return rawRegions.find((r) => r.slug === id)?.parent ?? undefined;
}

const kindOf = (id: string): 'PORT' | 'REGION' => (rawPorts.some((p) => p.code === id) ? 'PORT' : 'REGION');

/**
 * ratesWithScope: while no day has minPrices prices (after dropping outliers), origin and destination
 * both move one level up (a side at the top stays), until some day does or neither can move.
 */
export function expectedRatesWithScope(
  origin: string,
  destination: string,
  from: string,
  to: string,
  options: { minPrices?: number; fallback?: 'NONE' | 'PARENT_REGIONS'; excludeOutliers?: boolean } = {},
): ExpectedScopedRates {
  const minPrices = options.minPrices ?? 3;
  let [o, d, oUp, dUp] = [origin, destination, 0, 0];
  for (;;) {
    const all = selectedPrices(o, d, from, to);
    const { kept, dropped } = options.excludeOutliers ? tukeySplit(all) : { kept: all, dropped: [] };
    const days = everyDay(from, to).map((day) => {
      const cents = kept.filter((p) => p.day === day).map((p) => p.cents);
      const sum = cents.reduce((s, c) => s + c, 0);
      return {
        day,
        averagePrice: cents.length >= minPrices ? usdOrNull(sum / cents.length) : null,
        priceCount: cents.length,
      };
    });
    const enough = days.some((x) => x.priceCount >= minPrices);
    const [oParent, dParent] = [parentOf(o), parentOf(d)];
    if (enough || options.fallback !== 'PARENT_REGIONS' || (oParent === undefined && dParent === undefined)) {
      return {
        days,
        originScope: { kind: kindOf(o), id: o, levelsUp: oUp },
        destinationScope: { kind: kindOf(d), id: d, levelsUp: dUp },
        outliersExcluded: dropped.length,
      };
    }
    if (oParent !== undefined) [o, oUp] = [oParent, oUp + 1];
    if (dParent !== undefined) [d, dUp] = [dParent, dUp + 1];
  }
}
