import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LIST_COMPLEXITY } from '../limits';
import { DailyRateType } from './daily-rate';
import { DateScalar } from './date-scalar';

export const GranularityEnum = { DAY: 'DAY', WEEK: 'WEEK', MONTH: 'MONTH', QUARTER: 'QUARTER', YEAR: 'YEAR' } as const;
registerEnumType(GranularityEnum, {
  name: 'Granularity',
  description: 'Calendar periods a series groups days into (UTC).',
  valuesConfig: {
    DAY: { description: 'One calendar day.' },
    WEEK: { description: 'An ISO week, Monday to Sunday; periodStart is the Monday.' },
    MONTH: { description: 'A calendar month; periodStart is its first day.' },
    QUARTER: { description: 'A calendar quarter (January, April, July, October); periodStart is its first day.' },
    YEAR: { description: 'A calendar year; periodStart is January 1.' },
  },
});

export const LaneStatsOrderEnum = {
  VOLUME: 'VOLUME',
  AVERAGE_PRICE: 'AVERAGE_PRICE',
  VOLATILITY: 'VOLATILITY',
} as const;
registerEnumType(LaneStatsOrderEnum, {
  name: 'LaneStatsOrder',
  description: 'How laneStats ranks lanes; always descending, ties broken by origin then destination code.',
  valuesConfig: {
    VOLUME: { description: 'Most prices first.' },
    AVERAGE_PRICE: { description: 'Highest average price first.' },
    VOLATILITY: { description: 'Highest volatility (standard deviation / mean) first.' },
  },
});

export const RatesFallbackEnum = { NONE: 'NONE', PARENT_REGIONS: 'PARENT_REGIONS' } as const;
registerEnumType(RatesFallbackEnum, {
  name: 'RatesFallback',
  description: 'What ratesWithScope does when no day of the range has minPrices prices.',
  valuesConfig: {
    NONE: { description: 'Nothing: answer for the locations asked.' },
    PARENT_REGIONS: {
      description:
        'Widen origin and destination together, one level per step (a port to its region, a region to its ' +
        'parent; a top-level region stays), until some day has minPrices prices or neither side can widen.',
    },
  },
});

const LocationKindEnum = { PORT: 'PORT', REGION: 'REGION' } as const;
registerEnumType(LocationKindEnum, { name: 'LocationKind' });

const QUARTILES =
  'exact, interpolated linearly between the two nearest ranks (type 7 as in R and NumPy; ClickHouse ' +
  'quantileExactInclusive), in USD rounded to 2 decimals';

@ObjectType('RatePeriod', { description: 'Statistics of the prices of one period of a series.', simpleResolvers: true })
class RatePeriodType {
  @Field(() => DateScalar, {
    description:
      'First calendar day of the period (a Monday for WEEK); it may precede dateFrom, but only prices from ' +
      'dateFrom to dateTo count.',
  })
  periodStart!: string;

  @Field(() => Float, { nullable: true, description: 'Mean price in USD rounded to 2 decimals; null without prices.' })
  averagePrice!: number | null;

  @Field(() => Float, { nullable: true, description: 'Lowest price in USD; null without prices.' })
  minPrice!: number | null;

  @Field(() => Float, { nullable: true, description: 'Highest price in USD; null without prices.' })
  maxPrice!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: `The market's low, the 2.5th percentile: ${QUARTILES}; null without prices.`,
  })
  low!: number | null;

  @Field(() => Float, { nullable: true, description: `First quartile: ${QUARTILES}; null without prices.` })
  p25!: number | null;

  @Field(() => Float, { nullable: true, description: `Median: ${QUARTILES}; null without prices.` })
  median!: number | null;

  @Field(() => Float, { nullable: true, description: `Third quartile: ${QUARTILES}; null without prices.` })
  p75!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: `The market's high, the 97.5th percentile: ${QUARTILES}; null without prices.`,
  })
  high!: number | null;

  @Field(() => Int, { description: 'Number of prices counted in the period (after dropping outliers).' })
  priceCount!: number;

  @Field(() => Int, { description: 'Prices of this period dropped as outliers.' })
  outliersExcluded!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      'Change of averagePrice against the previous period: its average / the previous one − 1, rounded to 4 ' +
      'decimals (0.12 is up 12 %); null when either period has no price. The first period is compared ' +
      'with the whole calendar period before it, so a one-week range still answers week on week.',
  })
  change!: number | null;
}

@ObjectType('RateSeries', { description: 'Price statistics per calendar period.', simpleResolvers: true })
export class RateSeriesType {
  @Field(() => GranularityEnum)
  granularity!: keyof typeof GranularityEnum;

  @Field(() => [RatePeriodType], {
    description: 'Every period that overlaps dateFrom..dateTo, ascending, with or without prices.',
    complexity: LIST_COMPLEXITY,
  })
  periods!: RatePeriodType[];

  @Field(() => Int, { description: 'Prices dropped as outliers over the whole range (0 unless excludeOutliers).' })
  outliersExcluded!: number;
}

@ObjectType('LaneStats', { description: 'Statistics of one port-to-port lane over the requested range.' })
export class LaneStatsType {
  originCode!: string;
  destinationCode!: string;

  @Field(() => Int, { description: 'Number of prices counted (after dropping outliers).' })
  priceCount!: number;

  @Field(() => Float, { description: 'Mean price in USD rounded to 2 decimals.' })
  averagePrice!: number;

  @Field(() => Float, { description: 'Lowest price in USD.' })
  minPrice!: number;

  @Field(() => Float, { description: 'Highest price in USD.' })
  maxPrice!: number;

  @Field(() => Float, {
    description: 'Population standard deviation of the prices (divided by n, not n − 1), USD rounded to 2 decimals.',
  })
  stddevPrice!: number;

  @Field(() => Float, {
    description:
      'Coefficient of variation: stddevPrice / averagePrice (unrounded values), rounded to 4 decimals; 0.05 means ' +
      'prices typically lie 5 % from the mean.',
  })
  volatility!: number;

  @Field(() => Int, { description: 'Prices of this lane dropped as outliers (0 unless excludeOutliers).' })
  outliersExcluded!: number;
}

@ObjectType('LocationScope', { description: 'The location an answer was computed for.', simpleResolvers: true })
export class LocationScopeType {
  @Field(() => LocationKindEnum)
  kind!: keyof typeof LocationKindEnum;

  @Field(() => String, { description: 'Port code or region slug.' })
  id!: string;

  @Field(() => Int, { description: 'Levels above the location asked for: 0 when not widened.' })
  levelsUp!: number;
}

@ObjectType('RatesResult', { description: 'Daily rates with the scope they were computed for.', simpleResolvers: true })
export class RatesResultType {
  @Field(() => [DailyRateType], {
    description: 'One entry per day from dateFrom to dateTo inclusive, ascending, as in rates.',
    complexity: LIST_COMPLEXITY,
  })
  days!: DailyRateType[];

  @Field(() => LocationScopeType, { description: 'The origin actually used (wider than asked after a fallback).' })
  originScope!: LocationScopeType;

  @Field(() => LocationScopeType, { description: 'The destination actually used.' })
  destinationScope!: LocationScopeType;

  @Field(() => Int, { description: 'Prices dropped as outliers over the range (0 unless excludeOutliers).' })
  outliersExcluded!: number;
}
