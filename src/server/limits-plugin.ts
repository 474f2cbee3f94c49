import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { GraphQLError } from "graphql";
import { checkOperation } from "./limits/index.js";
import type { QueryLimits } from "./limits/index.js";

/**
 * Enforces depth, aliases and cost in Apollo's pipeline, before execution, for every way a query arrives (POST,
 * GET, each operation of a batch, a persisted query looked up by its hash): once the operation is resolved, after
 * validation, with the request's variables, also when Apollo reuses a cached parsed document. Each operation of
 * a batch is refused on its own. The token count is `limitRequestSize`'s: it has to be checked before parsing.
 */
export function queryLimitsPlugin<TContext extends BaseContext>(limits: QueryLimits): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
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
