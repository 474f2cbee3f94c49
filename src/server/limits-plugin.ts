import type { OperationPlugin, ResolvedOperation } from "../operation/index.js";
import { checkOperation, checkSource } from "./limits/index.js";
import type { CostMeter, QueryLimits } from "./limits/index.js";

/**
 * The query limits as a stage of the pipeline, for every way an operation arrives (POST, GET, each operation of a
 * batch, a persisted query looked up by its hash, WebSocket): the token count before parsing, depth, aliases and
 * cost once the operation is resolved, with the request's variables. The batch bound is the HTTP transport's.
 *
 * An operation that may run counts its objects during execution on a meter attached to its context, and every
 * answer to a measured operation carries `extensions.cost` (each event of a subscription counted on its own); one
 * refused by its estimate carries the requested cost and the maximum.
 */
export function queryLimits<TContext extends object>(limits: QueryLimits): OperationPlugin<TContext> {
  // Each request resolves its own operation object, so its meter is its own.
  const meters = new WeakMap<ResolvedOperation, CostMeter>();
  return {
    checkSource: (source) => checkSource(source, limits),
    checkOperation: (operation) => {
      const { meter, refusal } = checkOperation(operation.schema, operation.document, operation.definition, operation.variables, limits);
      if (refusal !== undefined) return { error: refusal, extensions: { cost: meter.settle() } };
      meters.set(operation, meter);
      return undefined;
    },
    onExecute: ({ operation, context }) => {
      const meter = meters.get(operation);
      if (meter === undefined) return undefined;
      meter.attachTo(context);
      return { extensions: () => ({ cost: meter.settle() }) };
    },
  };
}
