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
import { ASSUMED_LIST_SIZES, DEFAULT_ASSUMED_LIST_SIZE } from "./assumed-list-sizes.js";
import type { AssumedListSizes } from "./assumed-list-sizes.js";

/** What the limits bound, for one operation as it would execute. */
export interface OperationMeasures {
  /** Deepest field nesting: `{ a { b } }` is 2. */
  depth: number;
  /** Aliased fields, with fragments expanded where they are spread. */
  aliases: number;
  /** Estimated objects in the response (scalars and enums are free): the work the resolvers and loaders may do. */
  cost: number;
}

const NOTHING: OperationMeasures = { depth: 0, aliases: 0, cost: 0 };

type Variables = Readonly<Record<string, unknown>> | null | undefined;

/** The arguments that say how many items a field returns, and how to read the count from their value. */
const SLICING_ARGUMENTS: Readonly<Record<string, (value: unknown) => number | undefined>> = {
  // A page's size.
  first: (value) => (typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined),
  // A federation router's `_entities` returns one entity per representation it sends.
  representations: (value) => (Array.isArray(value) ? value.length : undefined),
};

/**
 * Measures `operation` against `schema` without executing it, in time linear in the document (a fragment is
 * measured once however often it is spread, so nested spreads cannot blow the walk up).
 *
 * Cost, the requested cost of the GraphQL cost directives' model: every object counts 1, scalars and enums 0. A
 * list of objects counts each item it is expected to hold: its slicing argument's count when it has one (`first`,
 * from the literal, the variable, the variable's default or the schema's default), else the `first` of the
 * connection it sits in (`nodes`, `edges`), else its assumed size in `listSizes` (by coordinate, `Type.field`).
 * Nested lists multiply. Introspection (`__schema`, `__type`) and `__typename` count for aliases only:
 * graphql-js's own rule bounds introspection depth, and their size is the schema's, not the data's.
 *
 * Safe on a document that has not been validated: unknown fields and fragments count for aliases only, and a
 * fragment cycle is cut.
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  listSizes: AssumedListSizes = ASSUMED_LIST_SIZES,
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
    const owner = isObjectType(parent) || isInterfaceType(parent) ? parent : undefined;
    const definition = owner?.getFields()[node.name.value];
    if (owner === undefined || definition === undefined) {
      const inner = node.selectionSet === undefined ? NOTHING : selectionSet(undefined, node.selectionSet, undefined);
      return { depth: 0, aliases: aliases + inner.aliases, cost: 0 };
    }
    const isList = isListType(getNullableType(definition.type));
    const type = getNamedType(definition.type);
    const sliced = slicedSize(definition, node);
    const size = isList ? (sliced ?? inheritedListSize ?? listSizes[`${owner.name}.${definition.name}`] ?? DEFAULT_ASSUMED_LIST_SIZE) : 1;
    const child = node.selectionSet === undefined ? NOTHING : selectionSet(type, node.selectionSet, isList ? undefined : sliced);
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

  /**
   * How many items the field's slicing argument asks for, when it has one: its value, or the schema's default for
   * a value that is no count (a null `first` runs with the default; other such values fail at execution anyway).
   */
  function slicedSize(definition: GraphQLField<unknown, unknown>, node: FieldNode): number | undefined {
    for (const argument of definition.args) {
      const read = SLICING_ARGUMENTS[argument.name];
      if (read === undefined) continue;
      const size = read(argumentValue(argument.name, argument.defaultValue, node)) ?? read(argument.defaultValue);
      if (size !== undefined) return size;
    }
    return undefined;
  }

  /** The value the argument will run with: the literal, the variable's value or default, or the schema's default. */
  function argumentValue(name: string, schemaDefault: unknown, node: FieldNode): unknown {
    const value = node.arguments?.find((candidate) => candidate.name.value === name)?.value;
    if (value === undefined) return schemaDefault;
    if (value.kind !== Kind.VARIABLE) return valueFromASTUntyped(value);
    const variable = value.name.value;
    if (variables != null && variable in variables) return variables[variable];
    const declared = operation.variableDefinitions?.find((candidate) => candidate.variable.name.value === variable)?.defaultValue;
    return declared === undefined ? schemaDefault : valueFromASTUntyped(declared);
  }

  return selectionSet(schema.getRootType(operation.operation) ?? undefined, operation.selectionSet, undefined);
}
