import { GraphQLError } from "graphql";
import type { GraphQLFormattedError } from "graphql";
import type { Logger } from "../log.js";
import { BAD_USER_INPUT, GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, INTERNAL_SERVER_ERROR, OPERATION_RESOLUTION_FAILURE } from "./error-codes.js";

/**
 * The code for an error a resolver threw that is not a GraphQL error with a code of its own, e.g. CircleCI being
 * down; undefined when the error is unexpected, which then reaches the client masked.
 */
export type ErrorCoder = (cause: unknown) => string | undefined;

/** What the client reads for an error nobody expected; the cause goes to the log, never to the client. */
export const INTERNAL_ERROR_MESSAGE = "internal server error: the gateway logged the cause";

/** A syntax error, where it is. */
export function parseFailed(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { ...error.extensions, code: GRAPHQL_PARSE_FAILED } });
}

export function validationFailed(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: GRAPHQL_VALIDATION_FAILED } });
}

/** A variable whose value does not fit its type (or a required one missing). */
export function badVariable(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: BAD_USER_INPUT } });
}

/** No operation, or none of the requested name, in the document. */
export function operationNotFound(operationName: string | null | undefined, operations: number): GraphQLError {
  const message =
    operations === 0
      ? "the document holds no operation: send a query, mutation or subscription"
      : operationName == null
        ? "the document holds several operations: name the one to run in `operationName`"
        : `the document holds no operation named "${operationName}"`;
  return new GraphQLError(message, { extensions: { code: OPERATION_RESOLUTION_FAILURE } });
}

/** An internal failure, as the client sees it. */
export function internalError(): GraphQLError {
  return new GraphQLError(INTERNAL_ERROR_MESSAGE, { extensions: { code: INTERNAL_SERVER_ERROR } });
}

/**
 * One execution error as the client reads it. An error with a code keeps it; one whose cause `codeOf` knows gets
 * that code and keeps its message (written for users); graphql-js's own errors (a null in a non-null field, a value
 * a scalar cannot represent) keep their message as INTERNAL_SERVER_ERROR. Anything else a resolver threw is
 * unexpected: its message may name internals, so the client gets a fixed one and the log gets the cause.
 */
export function formatExecutionError(error: GraphQLError, codeOf: ErrorCoder, logger: Logger): GraphQLFormattedError {
  const formatted = error.toJSON();
  if (typeof error.extensions.code === "string") return formatted;
  const cause = error.originalError;
  if (cause === undefined || cause instanceof GraphQLError) return { ...formatted, extensions: { ...formatted.extensions, code: INTERNAL_SERVER_ERROR } };
  const code = codeOf(cause);
  if (code !== undefined) return { ...formatted, extensions: { ...formatted.extensions, code } };
  logger.error({ err: cause, path: error.path }, "a resolver failed unexpectedly");
  return { message: INTERNAL_ERROR_MESSAGE, locations: formatted.locations, path: formatted.path, extensions: { code: INTERNAL_SERVER_ERROR } };
}

