import { GraphQLError } from "graphql";
import { CircleCIError, CircleCIUnavailableError, RecordRejectedError } from "../circleci/index.js";
import { ReadTimeoutError, StoreOnlyReadError } from "../loaders/errors.js";
import { BAD_USER_INPUT } from "../operation/error-codes.js";

export { BAD_USER_INPUT };

export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: BAD_USER_INPUT } });
}

/** What a client can switch on when CircleCI, not the query, is why a field failed. */
export const CIRCLECI_UNAVAILABLE = "CIRCLECI_UNAVAILABLE";
export const CIRCLECI_ERROR = "CIRCLECI_ERROR";

/**
 * The code of a field that failed because CircleCI failed, instead of the masked `INTERNAL_SERVER_ERROR` (the
 * message, written for users by the client, stays). `CIRCLECI_UNAVAILABLE` means the circuit breaker holds calls
 * back, or the request's read deadline passed: CircleCI is not answering now, the cache still answers.
 * `STORE_UNAVAILABLE` is the same for what only the store holds (the answers' indexes) while Redis is down.
 * `CIRCLECI_RECORD_REJECTED`: CircleCI answered with a record the gateway cannot read.
 */
export function gatewayErrorCode(cause: unknown): string | undefined {
  if (cause instanceof StoreOnlyReadError) return cause.code;
  if (!(cause instanceof CircleCIError)) return undefined;
  if (cause instanceof RecordRejectedError) return cause.code;
  return cause instanceof CircleCIUnavailableError || cause instanceof ReadTimeoutError ? CIRCLECI_UNAVAILABLE : CIRCLECI_ERROR;
}
