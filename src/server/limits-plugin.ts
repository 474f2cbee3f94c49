import type { OperationPlugin } from "../operation/index.js";
import { checkOperation, checkSource } from "./limits/index.js";
import type { QueryLimits } from "./limits/index.js";

/**
 * The query limits as a stage of the pipeline, for every way an operation arrives (POST, GET, each operation of a
 * batch, a persisted query looked up by its hash, WebSocket): the token count before parsing, depth, aliases and
 * cost once the operation is resolved, with the request's variables. The batch bound is the HTTP transport's.
 */
export function queryLimits<TContext>(limits: QueryLimits): OperationPlugin<TContext> {
  return {
    checkSource: (source) => checkSource(source, limits),
    checkOperation: ({ schema, document, definition, variables }) => checkOperation(schema, document, definition, variables, limits),
  };
}
