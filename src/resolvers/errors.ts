import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError } from "graphql";
import type { GraphQLFormattedError } from "graphql";
import { CircleCIError, CircleCIUnavailableError, RecordRejectedError } from "../circleci/index.js";
import { ReadTimeoutError } from "../loaders/errors.js";

/** The code Apollo Server (and clients written for it) give to errors in what the client sent. */
export const BAD_USER_INPUT = "BAD_USER_INPUT";

export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: BAD_USER_INPUT } });
}

/** What a client can switch on when CircleCI, not the query, is why a field failed. */
export const CIRCLECI_UNAVAILABLE = "CIRCLECI_UNAVAILABLE";
export const CIRCLECI_ERROR = "CIRCLECI_ERROR";

/**
 * Apollo's `formatError`: a field that failed because CircleCI failed gets a code saying so instead of
 * `INTERNAL_SERVER_ERROR` (the message, written for users by the client, stays). `CIRCLECI_UNAVAILABLE` means
 * the circuit breaker holds calls back, or the request's read deadline passed: CircleCI is not answering now,
 * the cache still answers. `CIRCLECI_RECORD_REJECTED`: CircleCI answered with a record the gateway cannot read.
 */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const cause = unwrapResolverError(error);
  if (!(cause instanceof CircleCIError)) return formatted;
  return { ...formatted, extensions: { ...formatted.extensions, code: codeOf(cause) } };
}

function codeOf(cause: CircleCIError): string {
  if (cause instanceof RecordRejectedError) return cause.code;
  return cause instanceof CircleCIUnavailableError || cause instanceof ReadTimeoutError ? CIRCLECI_UNAVAILABLE : CIRCLECI_ERROR;
}
