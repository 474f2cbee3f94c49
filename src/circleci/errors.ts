/**
 * Every failure the client surfaces is a `CircleCIError`: a message that is one sentence about
 * what happened plus the fix, the route template it happened on (`GET /workflow/{id}`), the HTTP
 * status when there was one, the fix on its own for callers that show it separately, and a stable
 * `code` to branch on. Messages are built from scrubbed text only: the token never appears in them.
 */
import type { Refusal } from "./breaker.js";

export interface CircleCIErrorDetails {
  /** Route template, e.g. `GET /project/{slug}/pipeline`. */
  endpoint: string;
  status?: number;
  /** CircleCI's own `message` from the error body, when it sent one. */
  upstreamMessage?: string;
}

export class CircleCIError extends Error {
  /** `CIRCLECI_ERROR`, unless a subclass says more (`CIRCLECI_UNAVAILABLE`, `CIRCLECI_OUTCOME_UNKNOWN`, ...). */
  readonly code: string = "CIRCLECI_ERROR";
  readonly endpoint: string;
  readonly status: number | undefined;
  readonly fix: string;
  readonly upstreamMessage: string | undefined;

  constructor(sentence: string, fix: string, details: CircleCIErrorDetails) {
    super(`${sentence} ${fix}`);
    this.name = new.target.name;
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.fix = fix;
    this.upstreamMessage = details.upstreamMessage;
  }
}

function onAttempts(attempts: number): string {
  return attempts === 1 ? "on its only attempt" : `on all ${attempts} attempts (retried with exponential backoff)`;
}

function saying(upstreamMessage: string | undefined): string {
  return upstreamMessage === undefined ? "" : `, CircleCI said "${upstreamMessage}"`;
}

export class AuthenticationError extends CircleCIError {
  constructor(details: Omit<CircleCIErrorDetails, "status">) {
    super(
      "CircleCI rejected the token (401): it is invalid or expired.",
      "Create a new personal API token under User Settings > Personal API Tokens and set CIRCLECI_TOKEN.",
      { ...details, status: 401 },
    );
  }
}

export class ProjectNotFoundError extends CircleCIError {
  readonly slug: string;

  constructor(slug: string, details: Omit<CircleCIErrorDetails, "status">) {
    super(
      `Project ${slug} was not found, or the token cannot see it (404).`,
      "Check the slug: it must look like gh/org/repo or bb/org/repo (or circleci/<org-id>/<project-id>), and that the token's user can access the project.",
      { ...details, status: 404 },
    );
    this.slug = slug;
  }
}

export class NotFoundError extends CircleCIError {
  /** What was looked for, e.g. `workflow 5034460f-…`. */
  readonly resource: string;

  constructor(resource: string, details: Omit<CircleCIErrorDetails, "status">) {
    super(
      `CircleCI has no ${resource} that this token can see (404 on ${details.endpoint}${saying(details.upstreamMessage)}).`,
      "Check the id; CircleCI also answers 404 when the token's user cannot access the project.",
      { ...details, status: 404 },
    );
    this.resource = resource;
  }
}

export class PermissionError extends CircleCIError {
  constructor(details: Omit<CircleCIErrorDetails, "status">) {
    super(
      `CircleCI refused ${details.endpoint} for this token (403${saying(details.upstreamMessage)}).`,
      "Use a token whose user may do this (actions need write access to the project), or ask an organization admin to grant it.",
      { ...details, status: 403 },
    );
  }
}

export class BadRequestError extends CircleCIError {
  constructor(details: Omit<CircleCIErrorDetails, "status">) {
    super(
      `CircleCI rejected the request ${details.endpoint} as malformed (400${saying(details.upstreamMessage)}).`,
      "Check what was sent: ids are UUIDs, slugs look like gh/org/repo, and an action's options must fit together (a branch or a tag, not both).",
      { ...details, status: 400 },
    );
  }
}

/** Any other status CircleCI answered with that no retry can change (405, 409, 3xx, …). */
export class UnexpectedStatusError extends CircleCIError {
  constructor(details: CircleCIErrorDetails & { status: number }) {
    super(
      `CircleCI answered ${details.endpoint} with an unexpected ${details.status}${saying(details.upstreamMessage)}.`,
      "Check that CIRCLECI_BASE_URL points at CircleCI (https://circleci.com or your CircleCI Server root).",
      details,
    );
  }
}

/** What the retry loop tried, for the "after retries" errors: `5 attempts`. */
export interface Attempts {
  attempts: number;
}

export class RateLimitedError extends CircleCIError {
  constructor(details: Omit<CircleCIErrorDetails, "status"> & Attempts) {
    super(
      `CircleCI kept rate-limiting ${details.endpoint} (429) through ${details.attempts} attempts, each after waiting as asked by Retry-After or backing off.`,
      "Lower the request budget (CIRCLECI_REQUESTS_PER_SECOND, CIRCLECI_CONCURRENCY) or sync less often; the limit resets on its own.",
      { ...details, status: 429 },
    );
  }
}

export class UpstreamError extends CircleCIError {
  constructor(details: CircleCIErrorDetails & Attempts & { status: number }) {
    super(
      `CircleCI answered ${details.endpoint} with ${details.status} ${onAttempts(details.attempts)}${saying(details.upstreamMessage)}.`,
      "CircleCI is failing: check https://status.circleci.com and try again later.",
      details,
    );
  }
}

export class NetworkError extends CircleCIError {
  constructor(details: Omit<CircleCIErrorDetails, "status"> & Attempts & { problem: string }) {
    super(
      `${details.endpoint} failed without an HTTP answer ${onAttempts(details.attempts)}; last: ${details.problem}.`,
      "Check the network path to CircleCI (DNS, proxy, firewall) and the client's timeouts.",
      details,
    );
  }
}

export class ResponseFormatError extends CircleCIError {
  constructor(details: CircleCIErrorDetails & Attempts & { problem: string }) {
    super(
      `${details.endpoint} answered with a body the client cannot use ${onAttempts(details.attempts)}; last: ${details.problem}.`,
      "This is usually a truncated response or a proxy's page: check that CIRCLECI_BASE_URL points at CircleCI, and retry later.",
      details,
    );
  }
}

/** One record CircleCI answered with, left out because it does not fit its schema. Never holds a value from the body. */
export interface RecordRejection {
  /** Route template, e.g. `GET /project/{slug}/job/{number}`. */
  endpoint: string;
  /** Which record: `job 42 in project gh/acme/api` for a single read, `item <id>` for a list item. */
  record: string;
  /** What did not fit, `path: message; …`: field paths and zod's messages only. */
  issues: string;
}

/**
 * CircleCI answered, but with a record the gateway cannot read (a 2xx whose JSON does not fit the schema). Not an
 * outage: CircleCI would send the same again, so it is not retried and does not count towards the circuit breaker.
 * The sync leaves the record out and reports it on its stream; the rest of the stream goes on.
 */
export class RecordRejectedError extends CircleCIError {
  override readonly code = "CIRCLECI_RECORD_REJECTED";
  readonly rejection: RecordRejection;

  constructor(rejection: RecordRejection, status: number) {
    super(
      `CircleCI answered ${rejection.endpoint} with ${rejection.record} in a shape the gateway cannot read (${rejection.issues}); it is left out and not retried.`,
      "Nothing to fix for one record; if many are rejected, CircleCI changed the shape of its answers and the gateway needs an update.",
      { endpoint: rejection.endpoint, status },
    );
    this.rejection = rejection;
  }
}

export class PaginationError extends CircleCIError {
  constructor(problem: string, details: CircleCIErrorDetails) {
    super(
      `Paging ${details.endpoint} stopped: ${problem}.`,
      "Nothing after this page was read; run the walk again later, or raise maxPages if the list is truly that long.",
      details,
    );
  }
}

/**
 * A write was sent and no usable answer came back (the connection broke or timed out after it left, a
 * 5xx, an answer that could not be read): CircleCI may or may not have acted on it. It is never sent
 * again, since a second request could do the same thing twice.
 */
export class OutcomeUnknownError extends CircleCIError {
  override readonly code = "CIRCLECI_OUTCOME_UNKNOWN";
  /** What the request was to do, e.g. `trigger a pipeline in gh/acme/api`. */
  readonly action: string;

  constructor(details: CircleCIErrorDetails & { does: string; check: string; cause: string }) {
    super(
      `Whether CircleCI did this is unknown: ${details.does}. ${details.endpoint} was sent, but ${details.cause}; it was not sent again, since a second request could do it twice.`,
      `Check ${details.check} in CircleCI before trying again.`,
      details,
    );
    this.action = details.does;
  }
}

/** CircleCI took a trigger and created no pipeline (a `[ci skip]` commit, a filter): nothing will run. */
export class PipelineNotCreatedError extends CircleCIError {
  override readonly code = "CIRCLECI_PIPELINE_NOT_CREATED";

  constructor(details: CircleCIErrorDetails & { does: string }) {
    super(
      `CircleCI created no pipeline for the request to ${details.does}${saying(details.upstreamMessage)}.`,
      "Check the commit message ([ci skip]) and the config's branch and tag filters, then trigger again.",
      details,
    );
  }
}

/** The circuit breaker refused the call: CircleCI kept failing, so nothing was sent. */
export class CircleCIUnavailableError extends CircleCIError {
  override readonly code = "CIRCLECI_UNAVAILABLE";
  readonly refusal: Refusal;

  constructor(endpoint: string, refusal: Refusal) {
    const next =
      refusal.phase === "paused"
        ? `calls to it are paused for ${Math.max(1, Math.ceil(refusal.retryInMs / 1000))} s more, then one probe request is sent`
        : "a probe request is checking whether it is back";
    super(
      `CircleCI is unavailable: it failed ${refusal.failures} ${refusal.failures === 1 ? "request" : "requests"} in a row (last: ${refusal.lastFailure}), so ${endpoint} was not sent; ${next}.`,
      "Data already cached is still served and calls resume by themselves once a probe succeeds; if this lasts, check https://status.circleci.com and the network path to CIRCLECI_BASE_URL.",
      { endpoint },
    );
    this.refusal = refusal;
  }
}

export class MissingOrganizationIdError extends CircleCIError {
  constructor() {
    super(
      "Contexts need an organization id:",
      "set CIRCLECI_ORG_ID to your organization's UUID (Organization Settings > Overview).",
      { endpoint: "GET /context" },
    );
  }
}
