import { Args, Authorized, ArgsType, Ctx, Field, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { DEFAULT_LANE_STATS_FIRST, MAX_LANE_STATS_FIRST } from '../../analysis';
import { centsToUsd, centsToUsdOrNull } from '../../domain/money';
import type { Port } from '../../domain/model';
import type { RequestContext } from '../context';
import { laneQueryComplexity } from '../limits';
import { GranularityEnum, LaneStatsOrderEnum, LaneStatsType, RateSeriesType } from '../types/analysis-types';
import { LaneRangeArgs } from '../types/lane-range-args';
import { PortType } from '../types/location-types';

const OUTLIERS =
  "Drop prices outside Tukey's fences (below Q1 − 1.5 × IQR or above Q3 + 1.5 × IQR, exact quartiles of each " +
  'lane (origin port, destination port) over dateFrom..dateTo) before computing; null means false.';

@ArgsType()
class RateSeriesArgs extends LaneRangeArgs {
  @Field(() => GranularityEnum, { description: 'Calendar periods to group days into.' })
  granularity!: keyof typeof GranularityEnum;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: OUTLIERS })
  excludeOutliers!: boolean | null;
}

@ArgsType()
class LaneStatsArgs extends LaneRangeArgs {
  @Field(() => LaneStatsOrderEnum, { nullable: true, defaultValue: 'VOLUME', description: 'null means VOLUME.' })
  orderBy!: keyof typeof LaneStatsOrderEnum | null;

  @Field(() => Int, {
    nullable: true,
    defaultValue: DEFAULT_LANE_STATS_FIRST,
    description: `How many lanes to list, 1 to ${MAX_LANE_STATS_FIRST}; null means ${DEFAULT_LANE_STATS_FIRST}.`,
  })
  first!: number | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: OUTLIERS })
  excludeOutliers!: boolean | null;
}

@Resolver()
export class RateSeriesResolver {
  @Authorized('read')
  @Query(() => RateSeriesType, {
    description:
      'Price statistics per calendar period from origin to destination (regions count every port below ' +
      'them): average, min, max, exact quartiles and count, for every period overlapping dateFrom..dateTo.',
    complexity: laneQueryComplexity(2, false),
  })
  async rateSeries(
    @Args(() => RateSeriesArgs) args: RateSeriesArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<RateSeriesType> {
    const series = await ctx.analysis.rateSeries(
      { ...args, excludeOutliers: args.excludeOutliers ?? false },
      ctx.budget,
    );
    return {
      granularity: series.granularity,
      outliersExcluded: series.outliersExcluded,
      periods: series.periods.map((p) => ({
        periodStart: p.periodStart,
        averagePrice: centsToUsdOrNull(p.meanUsdCents),
        minPrice: centsToUsdOrNull(p.minUsdCents),
        maxPrice: centsToUsdOrNull(p.maxUsdCents),
        low: centsToUsdOrNull(p.lowUsdCents),
        p25: centsToUsdOrNull(p.p25UsdCents),
        median: centsToUsdOrNull(p.medianUsdCents),
        p75: centsToUsdOrNull(p.p75UsdCents),
        high: centsToUsdOrNull(p.highUsdCents),
        priceCount: p.priceCount,
        outliersExcluded: p.outliersExcluded,
        change: p.change === null ? null : Math.round(p.change * 10_000) / 10_000,
      })),
    };
  }
}

@Resolver(() => LaneStatsType)
export class LaneStatsResolver {
  @Authorized('read')
  @Query(() => [LaneStatsType], {
    description:
      'The port-to-port lanes from the origin’s ports to the destination’s ports that have prices in ' +
      'dateFrom..dateTo, with their statistics, ranked by orderBy (descending), at most `first`.',
    complexity: laneQueryComplexity(2, true),
  })
  async laneStats(
    @Args(() => LaneStatsArgs) args: LaneStatsArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<LaneStatsType[]> {
    const lanes = await ctx.analysis.laneStats(
      {
        ...args,
        orderBy: args.orderBy ?? 'VOLUME',
        first: args.first ?? DEFAULT_LANE_STATS_FIRST,
        excludeOutliers: args.excludeOutliers ?? false,
      },
      ctx.budget,
    );
    return lanes.map((l) => ({
      originCode: l.originCode,
      destinationCode: l.destinationCode,
      priceCount: l.priceCount,
      averagePrice: centsToUsd(l.meanUsdCents),
      minPrice: centsToUsd(l.minUsdCents),
      maxPrice: centsToUsd(l.maxUsdCents),
      stddevPrice: centsToUsd(l.stddevUsdCents),
      volatility: Math.round(l.volatility * 10_000) / 10_000,
      outliersExcluded: l.outliersExcluded,
    }));
  }

  @FieldResolver(() => PortType, { description: 'The lane’s origin port.' })
  origin(@Root() lane: LaneStatsType, @Ctx() ctx: RequestContext): Promise<Port> {
    return portOrFail(ctx, lane.originCode);
  }

  @FieldResolver(() => PortType, { description: 'The lane’s destination port.' })
  destination(@Root() lane: LaneStatsType, @Ctx() ctx: RequestContext): Promise<Port> {
    return portOrFail(ctx, lane.destinationCode);
  }
}

async function portOrFail(ctx: RequestContext, code: string): Promise<Port> {
  const port = await ctx.locations.port(code);
  // Prices only name ports the operational store holds; failing loudly beats null for a non-null field.
  if (!port) throw new Error(`The analytics store names port ${code}, which the operational store lacks`);
  return port;
}
