import {
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';

/**
 * Whether the query selects any of `names` on the object `path` leads to from the resolved field
 * (`[]`: the field's own object or list; `['days']`: its `days`), through fragments too. Directives are
 * not evaluated: a field under `@skip` counts as selected, which costs time, never a wrong answer.
 */
export function selectsAnyOf(info: GraphQLResolveInfo, path: readonly string[], names: readonly string[]): boolean {
  const wanted = new Set(names);
  let sets = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const step of path) {
    sets = fieldsOf(sets, info.fragments)
      .filter((field) => field.name.value === step)
      .flatMap((field) => (field.selectionSet ? [field.selectionSet] : []));
  }
  return fieldsOf(sets, info.fragments).some((field) => wanted.has(field.name.value));
}

function fieldsOf(
  sets: readonly SelectionSetNode[],
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): FieldNode[] {
  return sets.flatMap((set) =>
    set.selections.flatMap((selection): FieldNode[] => {
      if (selection.kind === Kind.FIELD) return [selection];
      if (selection.kind === Kind.INLINE_FRAGMENT) return fieldsOf([selection.selectionSet], fragments);
      const fragment = fragments[selection.name.value];
      return fragment ? fieldsOf([fragment.selectionSet], fragments) : [];
    }),
  );
}
