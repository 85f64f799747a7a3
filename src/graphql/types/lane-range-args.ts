import { ArgsType, Field } from 'type-graphql';
import { DateScalar } from './date-scalar';

/** The arguments every analytical query starts with (rates, ratesWithScope, rateSeries, laneStats). */
@ArgsType()
export class LaneRangeArgs {
  @Field(() => String, { description: 'A port code or a region slug.' })
  origin!: string;

  @Field(() => String, { description: 'A port code or a region slug.' })
  destination!: string;

  @Field(() => DateScalar, { description: 'First day, included.' })
  dateFrom!: string;

  @Field(() => DateScalar, { description: 'Last day, included.' })
  dateTo!: string;
}
