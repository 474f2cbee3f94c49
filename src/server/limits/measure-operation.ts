import { getNamedType, getNullableType, isCompositeType, isInterfaceType, isListType, isObjectType, Kind, valueFromASTUntyped } from "graphql";
import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLField,
  GraphQLNamedType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from "graphql";

/** What the limits bound, for one operation as it would execute. */
export interface OperationMeasures {
  /** Deepest field nesting: `{ a { b } }` is 2. */
  depth: number;
  /** Aliased fields, with fragments expanded where they are spread. */
  aliases: number;
  /** Estimated objects in the response (scalars are free): the work the resolvers and loaders may do. */
  cost: number;
}

/**
 * How many items a list without a `first` argument is taken to hold (a pipeline's workflows, a workflow's jobs).
 * A guess, not a bound: it only has to make nested lists multiply.
 */
export const LIST_SIZE_ESTIMATE = 10;

const NOTHING: OperationMeasures = { depth: 0, aliases: 0, cost: 0 };

type Variables = Readonly<Record<string, unknown>> | null | undefined;

/**
 * Measures `operation` against `schema` without executing it, in time linear in the document (a fragment is
 * measured once however often it is spread, so nested spreads cannot blow the walk up).
 *
 * Cost: every object-typed field counts 1 per object it may return. A list field holds `first` items when it has
 * a `first` argument (its value, the variable's value or default, or the schema's default), else the estimate;
 * a non-list field with `first` (a connection) sizes the lists directly inside it (`nodes`, `edges`). Nested
 * lists multiply. Introspection (`__schema`, `__type`) and `__typename` count for aliases only: graphql-js's
 * own rule bounds introspection depth, and their size is the schema's, not the data's.
 *
 * Safe on a document that has not been validated: unknown fields and fragments count for aliases only, and a
 * fragment cycle is cut.
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  listSizeEstimate = LIST_SIZE_ESTIMATE,
): OperationMeasures {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const measuredFragments = new Map<string, OperationMeasures>();
  const entered = new Set<string>();

  function selectionSet(type: GraphQLNamedType | undefined, node: SelectionSetNode, listSize: number | undefined): OperationMeasures {
    const total = { ...NOTHING };
    for (const selection of node.selections) {
      const measures =
        selection.kind === Kind.FIELD
          ? field(type, selection, listSize)
          : selection.kind === Kind.INLINE_FRAGMENT
            ? selectionSet(selection.typeCondition === undefined ? type : schema.getType(selection.typeCondition.name.value), selection.selectionSet, listSize)
            : fragment(selection.name.value, listSize);
      total.depth = Math.max(total.depth, measures.depth);
      total.aliases += measures.aliases;
      total.cost += measures.cost;
    }
    return total;
  }

  function field(parent: GraphQLNamedType | undefined, node: FieldNode, inheritedListSize: number | undefined): OperationMeasures {
    const aliases = node.alias === undefined ? 0 : 1;
    const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[node.name.value] : undefined;
    if (definition === undefined) {
      const inner = node.selectionSet === undefined ? NOTHING : selectionSet(undefined, node.selectionSet, undefined);
      return { depth: 0, aliases: aliases + inner.aliases, cost: 0 };
    }
    const isList = isListType(getNullableType(definition.type));
    const type = getNamedType(definition.type);
    const first = firstArgument(definition, node);
    const size = isList ? (first ?? inheritedListSize ?? listSizeEstimate) : 1;
    const child = node.selectionSet === undefined ? NOTHING : selectionSet(type, node.selectionSet, isList ? undefined : first);
    return {
      depth: 1 + child.depth,
      aliases: aliases + child.aliases,
      cost: isCompositeType(type) ? size * (1 + child.cost) : 0,
    };
  }

  function fragment(name: string, listSize: number | undefined): OperationMeasures {
    const key = `${name}:${listSize ?? ""}`;
    const known = measuredFragments.get(key);
    if (known !== undefined) return known;
    const definition = fragments.get(name);
    if (definition === undefined || entered.has(name)) return NOTHING;
    entered.add(name);
    const measures = selectionSet(schema.getType(definition.typeCondition.name.value), definition.selectionSet, listSize);
    entered.delete(name);
    measuredFragments.set(key, measures);
    return measures;
  }

  /** The `first` the field will run with, when it has such an argument and the value is a usable count. */
  function firstArgument(definition: GraphQLField<unknown, unknown>, node: FieldNode): number | undefined {
    const argument = definition.args.find((candidate) => candidate.name === "first");
    if (argument === undefined) return undefined;
    const value = node.arguments?.find((candidate) => candidate.name.value === "first")?.value;
    let first: unknown = argument.defaultValue;
    if (value?.kind === Kind.VARIABLE) {
      const name = value.name.value;
      const declared = operation.variableDefinitions?.find((candidate) => candidate.variable.name.value === name)?.defaultValue;
      if (variables != null && name in variables) first = variables[name];
      else if (declared !== undefined) first = valueFromASTUntyped(declared);
    } else if (value !== undefined) {
      first = valueFromASTUntyped(value);
    }
    return typeof first === "number" && Number.isFinite(first) && first >= 0 ? first : undefined;
  }

  return selectionSet(schema.getRootType(operation.operation) ?? undefined, operation.selectionSet, undefined);
}
