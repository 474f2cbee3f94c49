import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { GraphQLError } from "graphql";
import { checkOperation } from "./limits/index.js";
import type { CostMeter, QueryLimits } from "./limits/index.js";

/**
 * Enforces depth, aliases and cost in Apollo's pipeline, before execution, for every way a query arrives (POST,
 * GET, each operation of a batch, a persisted query looked up by its hash): once the operation is resolved, after
 * validation, with the request's variables, also when Apollo reuses a cached parsed document. Each operation of
 * a batch is refused on its own. The token count is `limitRequestSize`'s: it has to be checked before parsing.
 *
 * An operation that may run counts its objects during execution on a meter attached to its context (Apollo gives
 * each operation of a batch a copy of the request's context), and every answer to a measured operation carries
 * `extensions.cost`.
 */
export function queryLimitsPlugin<TContext extends BaseContext>(limits: QueryLimits): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      let meter: CostMeter | undefined;
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          // No such operation: execution answers that, and there is nothing to measure.
          if (operation === undefined) return;
          const check = checkOperation(schema, document, operation, request.variables, limits);
          meter = check.meter;
          if (check.refusal !== undefined) throw asBadRequest(check.refusal);
          meter.attachTo(contextValue);
        },
        async willSendResponse({ response }) {
          if (meter === undefined || response.body.kind !== "single") return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, cost: meter.settle() };
        },
      };
    },
  };
}

/** Apollo reads the HTTP status from `extensions.http` and strips it from the response. */
function asBadRequest(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
}
