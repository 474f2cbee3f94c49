import { STATUS_CODES } from "node:http";
import {
  AuthenticationError,
  BadRequestError,
  NetworkError,
  NotFoundError,
  OutcomeUnknownError,
  PermissionError,
  ProjectNotFoundError,
  RateLimitedError,
  ResponseFormatError,
  UnexpectedStatusError,
  UpstreamError,
} from "./errors.js";
import type { CircleCIError } from "./errors.js";
import type { Action, Route } from "./route.js";

/**
 * A failed attempt, as the retry loop remembers it: enough to build the error the caller sees
 * once retries are over. All text in it has already been scrubbed of the token.
 */
export type Failure =
  | { kind: "status"; status: number; upstreamMessage: string | undefined }
  | { kind: "network"; problem: string }
  | { kind: "format"; status: number; problem: string };

/** The error for an answer no retry can change (4xx other than 429). */
export function errorForStatus(route: Route, status: number, upstreamMessage: string | undefined): CircleCIError {
  const details = { endpoint: route.endpoint, upstreamMessage };
  switch (status) {
    case 400:
      return new BadRequestError(details);
    case 401:
      return new AuthenticationError(details);
    case 403:
      return new PermissionError(details);
    case 404:
      return route.missing.kind === "project"
        ? new ProjectNotFoundError(route.missing.slug, details)
        : new NotFoundError(route.missing.description, details);
    default:
      return new UnexpectedStatusError({ ...details, status });
  }
}

/** The error for the last of `attempts` failed attempts. */
export function errorAfterRetries(route: Route, failure: Failure, attempts: number): CircleCIError {
  const endpoint = route.endpoint;
  switch (failure.kind) {
    case "network":
      return new NetworkError({ endpoint, attempts, problem: failure.problem });
    case "format":
      return new ResponseFormatError({ endpoint, attempts, status: failure.status, problem: failure.problem });
    case "status":
      return failure.status === 429
        ? new RateLimitedError({ endpoint, attempts, upstreamMessage: failure.upstreamMessage })
        : new UpstreamError({ endpoint, attempts, status: failure.status, upstreamMessage: failure.upstreamMessage });
  }
}

/** The error for a write whose one attempt may have reached CircleCI but brought back no usable answer. */
export function outcomeUnknown(route: Route, action: Action, failure: Failure): OutcomeUnknownError {
  const details = { endpoint: route.endpoint, does: action.does, check: action.check };
  switch (failure.kind) {
    case "network":
      return new OutcomeUnknownError({ ...details, cause: `no answer came back (${failure.problem})` });
    case "format":
      return new OutcomeUnknownError({ ...details, status: failure.status, cause: `its ${failure.status} answer could not be read (${failure.problem})` });
    case "status":
      return new OutcomeUnknownError({
        ...details,
        status: failure.status,
        upstreamMessage: failure.upstreamMessage,
        cause: `CircleCI answered ${failure.status}${failure.upstreamMessage === undefined ? "" : ` ("${failure.upstreamMessage}")`}, which does not say whether it acted`,
      });
  }
}

/**
 * Whether a request that ended in `failure` says CircleCI is down: a 5xx, no answer, or a body the
 * client cannot use. Any other status is CircleCI answering (a 429 is the rate-limit gate's business).
 */
export function isUpstreamDown(failure: Failure): boolean {
  return failure.kind !== "status" || failure.status >= 500;
}

/** One line for the breaker's "last failure": `GET /me: 503 Service Unavailable`. */
export function describeFailure(route: Route, failure: Failure): string {
  switch (failure.kind) {
    case "status":
      return `${route.endpoint}: ${failure.status} ${STATUS_CODES[failure.status] ?? ""}`.trimEnd();
    case "network":
      return `${route.endpoint}: no answer (${failure.problem})`;
    case "format":
      return `${route.endpoint}: ${failure.status} with a body the client cannot use (${failure.problem})`;
  }
}
