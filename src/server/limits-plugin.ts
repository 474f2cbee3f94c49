import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { GraphQLError } from "graphql";
import { checkOperation, checkSource } from "./limits/index.js";
import type { QueryLimits } from "./limits/index.js";

/**
 * Enforces the query limits in Apollo's pipeline, before execution, for every way a query arrives (POST, GET,
 * each operation of a batch, a persisted query looked up by its hash). The token count is checked before parsing:
 * an error thrown there refuses the whole HTTP request. Depth, aliases and cost are checked once the operation is
 * resolved (after validation, with the request's variables, also when Apollo reuses a cached parsed document),
 * so each operation of a batch is refused on its own.
 */
export function queryLimitsPlugin<TContext extends BaseContext>(limits: QueryLimits): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveSource({ source }) {
          const error = checkSource(source, limits);
          if (error !== undefined) throw asBadRequest(error);
        },
        async didResolveOperation({ schema, document, operation, request }) {
          // No such operation: execution answers that, and there is nothing to measure.
          if (operation === undefined) return;
          const error = checkOperation(schema, document, operation, request.variables, limits);
          if (error !== undefined) throw asBadRequest(error);
        },
      };
    },
  };
}

/** Apollo reads the HTTP status from `extensions.http` and strips it from the response. */
function asBadRequest(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
}
