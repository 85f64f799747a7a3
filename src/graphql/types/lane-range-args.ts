import { ArgsType, Field } from 'type-graphql';
import { DateScalar } from './date-scalar';
import { CONTAINER_TYPE_DESCRIPTION, ContractTermEnum } from './freight-dimensions';

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

  @Field(() => [String], {
    nullable: true,
    description:
      `Count only prices of these container types. ${CONTAINER_TYPE_DESCRIPTION} ` +
      'Null counts every price, unspecified ones (no container type given) included.',
  })
  containerTypes!: string[] | null;

  @Field(() => ContractTermEnum, {
    nullable: true,
    description: 'Count only prices of this contract term. Null counts every price, unspecified ones included.',
  })
  contractTerm!: keyof typeof ContractTermEnum | null;
}
