import { Field, Float, Int, ObjectType } from 'type-graphql';
import { DateScalar } from './date-scalar';

// simpleResolvers: plain properties read by graphql-js directly, without type-graphql's per-field
// middleware wrapper (which made every one of the ~1,100 fields of a one-year answer a promise).
@ObjectType('DailyRate', { description: 'The average price of one day on a lane.', simpleResolvers: true })
export class DailyRateType {
  @Field(() => DateScalar)
  day!: string;

  @Field(() => Float, {
    nullable: true,
    description:
      'Mean price in USD rounded to 2 decimals (in rates(currency:), in that currency rounded to its minor unit); ' +
      'null when the day has fewer than minPrices prices.',
  })
  averagePrice!: number | null;

  @Field(() => Int, { description: 'Number of prices counted on this day.' })
  priceCount!: number;

  @Field(() => Float, { nullable: true, description: spread('2.5th percentile (the low end of the market)') })
  low?: number | null;

  @Field(() => Float, { nullable: true, description: spread('25th percentile') })
  p25?: number | null;

  @Field(() => Float, { nullable: true, description: spread('Median') })
  median?: number | null;

  @Field(() => Float, { nullable: true, description: spread('75th percentile') })
  p75?: number | null;

  @Field(() => Float, { nullable: true, description: spread('97.5th percentile (the high end of the market)') })
  high?: number | null;
}

function spread(quantile: string): string {
  return (
    `${quantile} of the day's prices: exact, interpolated linearly between ranks (as rateSeries' quartiles), ` +
    'in the currency and rounding of averagePrice; null when the day has fewer than minPrices prices. Only ' +
    'a query that selects one of low, p25, median, p75, high reads the prices themselves for it.'
  );
}
