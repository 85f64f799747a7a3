import { Field, ObjectType } from 'type-graphql';

@ObjectType('Port', { description: 'A port, by its 5-character UN/LOCODE-style code.', simpleResolvers: true })
export class PortType {
  @Field(() => String)
  code!: string;

  @Field(() => String)
  name!: string;
}

@ObjectType('Region', {
  description: 'A region: it holds ports and regions, nested to any depth.',
  simpleResolvers: true,
})
export class RegionType {
  @Field(() => String)
  slug!: string;

  @Field(() => String)
  name!: string;
}
