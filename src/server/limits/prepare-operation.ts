import { getOperationAST, GraphQLError, parse, validate } from "graphql";
import type { DocumentNode, ExecutionArgs, GraphQLSchema } from "graphql";
import { checkOperation, checkSource } from "./check.js";
import type { CostMeter } from "./cost-meter.js";
import type { QueryLimits } from "./query-limits.js";

export interface OperationRequest {
  query: string;
  operationName?: string | null;
  variables?: Readonly<Record<string, unknown>> | null;
}

/** An operation that may execute: its arguments (without a context) and its cost meter, to attach to the context. */
export interface PreparedOperation {
  args: ExecutionArgs;
  meter: CostMeter;
}

/**
 * Parses, validates and measures one operation, in the order Apollo does over HTTP (tokens before parsing, the
 * other limits after validation): what a transport without Apollo's pipeline (graphql-ws) runs before executing.
 * Returns the operation to execute, or the errors to answer with.
 */
export function prepareOperation(schema: GraphQLSchema, request: OperationRequest, limits: QueryLimits): PreparedOperation | readonly GraphQLError[] {
  const tooLong = checkSource(request.query, limits);
  if (tooLong !== undefined) return [tooLong];
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    if (error instanceof GraphQLError) return [error];
    throw error;
  }
  const invalid = validate(schema, document);
  if (invalid.length > 0) return invalid;
  const operation = getOperationAST(document, request.operationName ?? undefined);
  if (operation == null) {
    return [
      new GraphQLError(
        request.operationName == null
          ? "the document holds several operations: name the one to run in operationName"
          : `the document holds no operation named "${request.operationName}"`,
      ),
    ];
  }
  const { meter, refusal } = checkOperation(schema, document, operation, request.variables, limits);
  if (refusal !== undefined) return [refusal];
  return { args: { schema, document, operationName: request.operationName, variableValues: request.variables }, meter };
}
