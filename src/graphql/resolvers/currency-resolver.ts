import { Args, ArgsType, Authorized, Ctx, Field, Float, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../context';
import { LIST_COMPLEXITY } from '../limits';
import { CurrencyType } from '../types/currency-types';
import { DateScalar } from '../types/date-scalar';

/** An args class, so that the arguments keep the order (currency, then day). */
@ArgsType()
class ExchangeRateArgs {
  @Field(() => String, { description: 'ISO 4217 code.' })
  currency!: string;

  @Field(() => DateScalar)
  day!: string;
}

@Resolver()
export class CurrencyResolver {
  @Authorized('read', 'ingest')
  @Query(() => [CurrencyType], {
    description: 'Every currency prices may be submitted in (and rates reported in), by code; USD included.',
    complexity: LIST_COMPLEXITY,
  })
  async currencies(@Ctx() ctx: RequestContext): Promise<CurrencyType[]> {
    return (await ctx.exchangeRates.currencies()).map((c) => ({
      code: c.code,
      name: c.name,
      minorUnits: c.minorDigits,
      firstDay: c.firstDay,
      lastDay: c.lastDay,
    }));
  }

  @Authorized('read', 'ingest')
  @Query(() => Float, {
    description:
      'US dollars for one unit of the currency on the day: the rate prices of that day are converted at ' +
      '(UNSUPPORTED_CURRENCY, RATE_UNAVAILABLE otherwise).',
  })
  async exchangeRate(
    @Args(() => ExchangeRateArgs) args: ExchangeRateArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<number> {
    return Number((await ctx.exchangeRates.rate(args.currency, args.day)).usdPerUnit);
  }
}
