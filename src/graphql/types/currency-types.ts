import { Field, Int, ObjectType } from 'type-graphql';
import { DateScalar } from './date-scalar';

@ObjectType('Currency', {
  description: 'A currency prices may be submitted in, and rates reported in (ISO 4217).',
  simpleResolvers: true,
})
export class CurrencyType {
  @Field(() => String, { description: 'ISO 4217 code, e.g. EUR.' })
  code!: string;

  @Field(() => String, { description: 'ISO 4217 name, e.g. Euro.' })
  name!: string;

  @Field(() => Int, { description: 'Digits of its minor unit: 2 for EUR (cents), 0 for JPY, 3 for KWD.' })
  minorUnits!: number;

  @Field(() => DateScalar, {
    nullable: true,
    description:
      'First day with a rate of its own; null when any day the provider publishes converts (USD, Open Exchange Rates).',
  })
  firstDay!: string | null;

  @Field(() => DateScalar, {
    nullable: true,
    description:
      'Last day with a rate of its own (the offline table carries it over up to 4 days more); null as above.',
  })
  lastDay!: string | null;
}
