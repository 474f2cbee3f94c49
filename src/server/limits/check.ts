import type { DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode } from "graphql";
import { CostMeter } from "./cost-meter.js";
import { countTokens } from "./count-tokens.js";
import { measureOperation } from "./measure-operation.js";
import { firstViolation, limitError } from "./query-limits.js";
import type { QueryLimits } from "./query-limits.js";

/** The refusal for a document with too many tokens, decided before it is parsed; undefined when it may be parsed. */
export function checkSource(source: string, limits: QueryLimits): GraphQLError | undefined {
  const violation = firstViolation({ maxTokens: countTokens(source) }, limits);
  return violation && limitError(violation);
}

/** What `checkOperation` found: the operation's cost meter, and the refusal when the operation may not execute. */
export interface OperationCheck {
  /** The requested cost and the maximum; attach it to the operation's context before executing (`CostMeter.attachTo`). */
  meter: CostMeter;
  /** The error to answer with instead of executing: a depth, alias or cost limit exceeded. */
  refusal: GraphQLError | undefined;
}

/** Measures an operation against its depth, alias and cost limits before it executes. */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  limits: QueryLimits,
): OperationCheck {
  const { depth, aliases, cost } = measureOperation(schema, document, operation, variables);
  const violation = firstViolation({ maxDepth: depth, maxAliases: aliases, maxCost: cost }, limits);
  return { meter: new CostMeter(cost, limits.maxCost), refusal: violation && limitError(violation) };
}

/** The refusal for a batched HTTP request of `size` operations; undefined when it may run. */
export function checkBatch(size: number, limits: QueryLimits): GraphQLError | undefined {
  const violation = firstViolation({ maxBatch: size }, limits);
  return violation && limitError(violation);
}
