import { Args, ArgsType, Authorized, Ctx, Field, Int, Query, Resolver } from 'type-graphql';
import { DEFAULT_MIN_PRICES } from '../../rates';
import type { RequestContext } from '../context';
import { DailyRateType } from '../types/daily-rate';
import { DateScalar } from '../types/date-scalar';
import { LIST_COMPLEXITY } from '../limits';

@ArgsType()
class RatesArgs {
  @Field(() => String, { description: 'A port code or a region slug.' })
  origin!: string;

  @Field(() => String, { description: 'A port code or a region slug.' })
  destination!: string;

  @Field(() => DateScalar, { description: 'First day, included.' })
  dateFrom!: string;

  @Field(() => DateScalar, { description: 'Last day, included.' })
  dateTo!: string;

  @Field(() => Int, {
    nullable: true,
    defaultValue: DEFAULT_MIN_PRICES,
    description: 'Fewest prices a day needs to get an average; null means the default.',
  })
  minPrices!: number | null;
}

@Resolver()
export class RatesResolver {
  @Authorized('read')
  @Query(() => [DailyRateType], {
    description:
      'Daily average price from origin to destination (regions count every port below them), one entry per ' +
      'day from dateFrom to dateTo inclusive, ascending.',
    complexity: LIST_COMPLEXITY,
  })
  async rates(@Args(() => RatesArgs) args: RatesArgs, @Ctx() ctx: RequestContext): Promise<DailyRateType[]> {
    const rates = await ctx.rates.dailyRates({ ...args, minPrices: args.minPrices ?? undefined });
    return rates.map((r) => ({
      day: r.day,
      priceCount: r.priceCount,
      averagePrice: r.meanUsdCents === null ? null : Math.round(r.meanUsdCents) / 100,
    }));
  }
}
