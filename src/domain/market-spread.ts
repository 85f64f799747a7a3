/**
 * The market's spread on a day, as freight-rate products quote it (Xeneta's market rates): the 2.5th
 * percentile (low), the quartiles and the 97.5th percentile (high) of the day's prices. Exact quantiles,
 * interpolated linearly between ranks (R's type 7; ClickHouse `quantileExactInclusive`), as the series'
 * quartiles are.
 */
export const SPREAD_QUANTILES = { low: 0.025, p25: 0.25, median: 0.5, p75: 0.75, high: 0.975 } as const;

export type SpreadField = keyof typeof SPREAD_QUANTILES;

/** In ascending order of their quantile. */
export const SPREAD_FIELDS = Object.keys(SPREAD_QUANTILES) as readonly SpreadField[];

export type MarketSpread = Readonly<Record<SpreadField, number>>;

export const isSpreadField = (name: string): name is SpreadField => (SPREAD_FIELDS as readonly string[]).includes(name);

/** Every value of `spread` through `convert` (a currency, a rounding). */
export function mapSpread(spread: MarketSpread, convert: (value: number) => number): MarketSpread {
  return Object.fromEntries(SPREAD_FIELDS.map((field) => [field, convert(spread[field])])) as Record<
    SpreadField,
    number
  >;
}
