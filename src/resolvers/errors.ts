import { GraphQLError } from "graphql";
import { ActionInputError, ActionOutcomeUnknownError, ActionUnreadError } from "../actions/index.js";
import { CircleCIError, CircleCIUnavailableError, OutcomeUnknownError, PipelineNotCreatedError, RecordRejectedError } from "../circleci/index.js";
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
  if (cause instanceof OutcomeUnknownError || cause instanceof PipelineNotCreatedError || cause instanceof RecordRejectedError) return cause.code;
  return cause instanceof CircleCIUnavailableError || cause instanceof ReadTimeoutError ? CIRCLECI_UNAVAILABLE : CIRCLECI_ERROR;
}

/**
 * What a client reads when an action fails: the gateway's refusals as BAD_USER_INPUT; CircleCI's failures with their
 * code, CircleCI's own status and message in `extensions.circleci` too; the gateway's other action errors with their
 * own code (`CIRCLECI_OUTCOME_UNKNOWN` for a repeat of a request whose answer was lost). Anything else is left to the
 * pipeline, which masks it.
 */
export function actionError(error: unknown): unknown {
  if (error instanceof ActionInputError) return badUserInput(error.message);
  const code = gatewayErrorCode(error);
  if (code !== undefined && error instanceof CircleCIError) {
    return new GraphQLError(error.message, { originalError: error, extensions: { code, circleci: { status: error.status ?? null, message: error.upstreamMessage ?? null } } });
  }
  if (error instanceof ActionOutcomeUnknownError || error instanceof ActionUnreadError) {
    return new GraphQLError(error.message, { originalError: error, extensions: { code: error.code } });
  }
  return error;
}
