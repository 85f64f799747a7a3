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
}
