import { getNamedType, isNonNullType, isObjectType } from "graphql";
import type { GraphQLField, GraphQLObjectType, GraphQLSchema } from "graphql";

export interface EveryFieldQueryOptions {
  /** Deepest field nesting, the root fields being 1: an object field whose scalars would lie deeper is left out. */
  maxDepth: number;
  /** The `first` of every field that has one: one page of each. */
  first: number;
  /** A GraphQL literal for each required argument, by `Type.field.argument` (e.g. `Query.pipeline.id`). */
  values: Readonly<Record<string, string>>;
}

/** The query of every field of the schema's Query root, with one page of each connection (see `everyFieldSelections`). */
export function everyFieldQuery(schema: GraphQLSchema, options: EveryFieldQueryOptions): string {
  return `{ ${[...everyFieldSelections(schema, options).values()].join(" ")} }`;
}

/**
 * Each root field of the schema's Query with every field below it, by root field name: each scalar, each object
 * field with all of its own, every nesting the depth allows, each object type at most once on a path (so
 * `Pipeline.project` takes no page of the project's pipelines under a pipeline, and the walk ends). Optional
 * arguments other than `first` are left out.
 */
export function everyFieldSelections(schema: GraphQLSchema, options: EveryFieldQueryOptions): Map<string, string> {
  const root = schema.getQueryType();
  if (root == null) throw new Error("the schema has no Query root");

  /** `field` at `depth` with every field below it; undefined for an object field the depth or the path leaves out. */
  function fieldSelection(type: GraphQLObjectType, field: GraphQLField<unknown, unknown>, depth: number, path: ReadonlySet<GraphQLObjectType>): string | undefined {
    const named = getNamedType(field.type);
    if (!isObjectType(named)) return `${field.name}${argumentsOf(type, field)}`;
    if (depth >= options.maxDepth || path.has(named)) return undefined;
    const inner = Object.values(named.getFields()).flatMap((child) => fieldSelection(named, child, depth + 1, new Set([...path, named])) ?? []);
    return inner.length === 0 ? undefined : `${field.name}${argumentsOf(type, field)} { ${inner.join(" ")} }`;
  }

  function argumentsOf(type: GraphQLObjectType, field: GraphQLField<unknown, unknown>): string {
    const given = field.args.flatMap((argument) => {
      if (argument.name === "first") return [`first: ${options.first}`];
      if (!isNonNullType(argument.type) || argument.defaultValue !== undefined) return [];
      const coordinate = `${type.name}.${field.name}.${argument.name}`;
      const value = options.values[coordinate];
      if (value === undefined) throw new Error(`everyFieldQuery needs a value for ${coordinate}`);
      return [`${argument.name}: ${value}`];
    });
    return given.length === 0 ? "" : `(${given.join(", ")})`;
  }

  return new Map(Object.values(root.getFields()).flatMap((field) => {
    const selection = fieldSelection(root, field, 1, new Set([root]));
    return selection === undefined ? [] : [[field.name, selection] as const];
  }));
}
