import type { GraphQLError, GraphQLSchema } from "graphql";
import { expect } from "vitest";
import { createOperationPipeline } from "../../src/operation/index.js";
import type { OperationRequest, Preparation, Transport } from "../../src/operation/index.js";
import { PUBLIC_CALLER } from "../../src/server/auth.js";
import { queryLimits } from "../../src/server/limits-plugin.js";
import { DEFAULT_QUERY_LIMITS } from "../../src/server/limits/index.js";
import type { QueryLimits } from "../../src/server/limits/index.js";

/** The pipeline's checks of `schema` with the query limits, up to execution: what `prepare` says about a request. */
export function preparer(schema: GraphQLSchema, limits: Partial<QueryLimits> = {}, transport: Transport = "websocket") {
  const pipeline = createOperationPipeline({ name: "test", schema, context: () => ({}), plugins: [queryLimits({ ...DEFAULT_QUERY_LIMITS, ...limits })] });
  return (request: OperationRequest): Promise<Preparation> => pipeline.open(PUBLIC_CALLER, transport).prepare(request);
}

/** The one error a refused preparation carries. */
export function refusal(preparation: Preparation): GraphQLError {
  if (preparation.ready) throw new Error("expected a refusal, got an operation ready to run");
  expect(preparation.errors).toHaveLength(1);
  return preparation.errors[0] as GraphQLError;
}
