import { GraphQLError } from "graphql";
import type { ValidationRule } from "graphql";

/** The fields that open the schema to a client; names starting with `__` are reserved, so no schema has its own. */
const INTROSPECTION_FIELDS = new Set(["__schema", "__type"]);

/**
 * Refuses `__schema` and `__type` when introspection is turned off. `__typename` stays (clients need it), and so
 * does a federated subgraph's `_service { sdl }`: an ordinary field, which is how a router composes.
 */
export function forbidIntrospection(setting: string): ValidationRule {
  return (context) => ({
    Field(node) {
      if (!INTROSPECTION_FIELDS.has(node.name.value)) return;
      context.reportError(new GraphQLError(`introspection is not allowed: ${setting} is false, but the query asks for "${node.name.value}"`, { nodes: node }));
    },
  });
}
