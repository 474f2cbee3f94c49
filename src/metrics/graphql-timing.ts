import { performance } from "node:perf_hooks";
import { defaultFieldResolver } from "graphql";
import type { GraphQLSchema } from "graphql";
import type { OperationPlugin } from "../operation/index.js";
import type { GatewayMetrics } from "./gateway-metrics.js";

/**
 * Wraps every `Query` field's resolver to time it. Only root fields: a dashboard query resolves hundreds of
 * nested fields from the loaders, and timing each would cost more than the answer; a root field's time includes
 * everything beneath it. Mutates `schema`, which must not be shared with a server that should not be timed.
 */
export function timeRootResolvers(schema: GraphQLSchema, metrics: Pick<GatewayMetrics, "observeResolver">): void {
  const fields = schema.getQueryType()?.getFields() ?? {};
  for (const [name, field] of Object.entries(fields)) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context, info) => {
      const started = performance.now();
      const observe = (outcome: "ok" | "error") => metrics.observeResolver(name, outcome, (performance.now() - started) / 1000);
      try {
        const result: unknown = resolve(source, args, context, info);
        if (!(result instanceof Promise)) {
          observe("ok");
          return result;
        }
        return result.then(
          (value: unknown) => {
            observe("ok");
            return value;
          },
          (error: unknown) => {
            observe("error");
            throw error;
          },
        );
      } catch (error) {
        observe("error");
        throw error;
      }
    };
  }
}

/**
 * Times each GraphQL operation the pipeline answers (each of a batch; queries and mutations over WebSocket too), from
 * its arrival until its answer is ready, answers from the answer cache included.
 */
export function requestTiming<TContext>(metrics: Pick<GatewayMetrics, "observeRequest">): OperationPlugin<TContext> {
  return {
    onOperation() {
      const started = performance.now();
      return ({ operationType, outcome }) => metrics.observeRequest(operationType ?? "unknown", outcome, (performance.now() - started) / 1000);
    },
  };
}
