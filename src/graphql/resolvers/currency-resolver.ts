import { Arg, Authorized, Ctx, Float, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../context';
import { LIST_COMPLEXITY } from '../limits';
import { CurrencyType } from '../types/currency-types';
import { DateScalar } from '../types/date-scalar';

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
    @Arg('currency', () => String, { description: 'ISO 4217 code.' }) currency: string,
    @Arg('day', () => DateScalar) day: string,
    @Ctx() ctx: RequestContext,
  ): Promise<number> {
    return Number((await ctx.exchangeRates.rate(currency, day)).usdPerUnit);
  }
}
