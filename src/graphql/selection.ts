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
  // A field asked once in its document (the common case) selects the same whatever the variables, and
  // its node lives as long as Apollo keeps the parsed document: walked once per document, not per request.
  // Several nodes merged into one field can differ by request (@include on one of them): walked each time.
  const [node] = info.fieldNodes;
  if (node === undefined || info.fieldNodes.length > 1) return walkSelection(info, path, names);
  const question = `${path.join('.')}:${names.join(',')}`;
  let answers = answersByNode.get(node);
  if (answers === undefined) {
    answers = new Map();
    answersByNode.set(node, answers);
  }
  let answer = answers.get(question);
  if (answer === undefined) {
    answer = walkSelection(info, path, names);
    answers.set(question, answer);
  }
  return answer;
}

/** What {@link selectsAnyOf} answered for a field node, by path and names. */
const answersByNode = new WeakMap<FieldNode, Map<string, boolean>>();

function walkSelection(info: GraphQLResolveInfo, path: readonly string[], names: readonly string[]): boolean {
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
