import { Field, ObjectType } from 'type-graphql';

/** A list field whose cost grows with the size of what it lists (see graphql/limits.ts). */
export const LIST_COMPLEXITY = ({ childComplexity }: { childComplexity: number }): number => 1 + 10 * childComplexity;

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
