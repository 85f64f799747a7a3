import type { GraphQLResolveInfo } from 'graphql';
import { Args, ArgsType, Authorized, Ctx, Field, Info, Int, Query, Resolver } from 'type-graphql';
import { mapSpread, SPREAD_FIELDS, type MarketSpread } from '../../domain/market-spread';
import { centsToUsd, centsToUsdOrNull } from '../../domain/money';
import { DEFAULT_MIN_PRICES, type DailyRate, type LocationScope } from '../../rates';
import type { RequestContext } from '../context';
import { LocationScopeType, RatesFallbackEnum, RatesResultType } from '../types/analysis-types';
import { DailyRateType } from '../types/daily-rate';
import { LaneRangeArgs } from '../types/lane-range-args';
import { laneQueryComplexity } from '../limits';
import { selectsAnyOf } from '../selection';

@ArgsType()
class RatesArgs extends LaneRangeArgs {
  @Field(() => Int, {
    nullable: true,
    defaultValue: DEFAULT_MIN_PRICES,
    description: 'Fewest prices a day needs to get an average; null means the default.',
  })
  minPrices!: number | null;
}

@ArgsType()
class RatesInCurrencyArgs extends RatesArgs {
  @Field(() => String, {
    nullable: true,
    description:
      'ISO 4217 code: report each average in this currency, converted from USD at that day’s rate and rounded ' +
      'to its minor unit (2 decimals for most, 0 for JPY); null means USD.',
  })
  currency!: string | null;
}

@ArgsType()
class RatesWithScopeArgs extends RatesArgs {
  @Field(() => RatesFallbackEnum, {
    nullable: true,
    defaultValue: 'NONE',
    description: 'What to do when no day of the range has minPrices prices; null means NONE.',
  })
  fallback!: keyof typeof RatesFallbackEnum | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description:
      "Drop prices outside Tukey's fences (1.5 × IQR beyond the quartiles) of their lane over the range " +
      'before averaging and counting; null means false.',
  })
  excludeOutliers!: boolean | null;
}

const toDailyRateType = (r: DailyRate): DailyRateType => ({
  day: r.day,
  priceCount: r.priceCount,
  averagePrice: centsToUsdOrNull(r.meanUsdCents),
  ...spreadFields(r.spreadUsdCents, centsToUsd),
});

/** The spread's fields of a day, rounded as its average is; none when the question did not ask for them. */
function spreadFields(
  spread: MarketSpread | null | undefined,
  round: (minor: number) => number,
): Partial<Record<keyof MarketSpread, number | null>> {
  if (spread === undefined) return {};
  if (spread === null) return Object.fromEntries(SPREAD_FIELDS.map((field) => [field, null]));
  return mapSpread(spread, round);
}

const toScopeType = (scope: LocationScope): LocationScopeType => ({
  kind: scope.kind === 'port' ? 'PORT' : 'REGION',
  id: scope.id,
  levelsUp: scope.levelsUp,
});

@Resolver()
export class RatesResolver {
  @Authorized('read')
  @Query(() => [DailyRateType], {
    description:
      'Daily average price from origin to destination (regions count every port below them), one entry per ' +
      'day from dateFrom to dateTo inclusive, ascending. Without containerTypes and contractTerm every price ' +
      'counts, unspecified ones (a price that states no container type or term) included; the spread fields ' +
      'cost a scan of the prices and are computed only when selected. Example, 40-foot high cubes on long-term ' +
      'contracts with the spread: `rates(origin: "china_main", destination: "north_europe_main", dateFrom: ' +
      '"2016-01-01", dateTo: "2016-01-10", containerTypes: ["40HC"], contractTerm: LONG_TERM) ' +
      '{ day averagePrice low p25 median p75 high priceCount }`.',
    complexity: laneQueryComplexity(1, true),
  })
  async rates(
    @Args(() => RatesInCurrencyArgs) args: RatesInCurrencyArgs,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<DailyRateType[]> {
    const answer = await ctx.rates.ratesInCurrency(
      {
        ...args,
        minPrices: args.minPrices ?? undefined,
        currency: args.currency ?? undefined,
        withSpread: selectsAnyOf(info, [], SPREAD_FIELDS),
      },
      ctx.budget,
    );
    const minorPerUnit = 10 ** answer.currency.minorDigits;
    // Rounded once, half up, from the unrounded amount in minor units: as US cents are (centsToUsd).
    const round = (minor: number) => Math.round(minor) / minorPerUnit;
    return answer.days.map((d) => ({
      day: d.day,
      priceCount: d.priceCount,
      averagePrice: d.meanMinor === null ? null : round(d.meanMinor),
      ...spreadFields(d.spreadMinor, round),
    }));
  }

  @Authorized('read')
  @Query(() => RatesResultType, {
    description:
      'rates with the scope it was computed for: optionally widened up the region hierarchy when no day has ' +
      'minPrices prices (fallback), optionally without outliers (excludeOutliers).',
    complexity: laneQueryComplexity(1, false),
  })
  async ratesWithScope(
    @Args(() => RatesWithScopeArgs) args: RatesWithScopeArgs,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<RatesResultType> {
    const answer = await ctx.rates.ratesWithScope(
      {
        ...args,
        minPrices: args.minPrices ?? undefined,
        fallback: args.fallback ?? 'NONE',
        excludeOutliers: args.excludeOutliers ?? false,
        withSpread: selectsAnyOf(info, ['days'], SPREAD_FIELDS),
      },
      ctx.budget,
    );
    return {
      days: answer.days.map(toDailyRateType),
      originScope: toScopeType(answer.origin),
      destinationScope: toScopeType(answer.destination),
      outliersExcluded: answer.outliersExcluded,
    };
  }
}
