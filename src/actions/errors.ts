/**
 * Why an action (a mutation) failed on the gateway's side. Each has a stable `code` a client can branch on; CircleCI's
 * own refusals stay the client's `CircleCIError`s.
 */

/** The arguments are wrong in a way the gateway can tell before asking CircleCI: nothing was sent. */
export class ActionInputError extends Error {
  override name = "ActionInputError";
  readonly code = "BAD_USER_INPUT";
}

/**
 * Whether CircleCI did an earlier request with the same idempotency key is unknown: its answer was lost, or the
 * request is still at work (or its instance stopped) past the time a duplicate waits. Nothing was sent again.
 */
export class ActionOutcomeUnknownError extends Error {
  override name = "ActionOutcomeUnknownError";
  readonly code = "CIRCLECI_OUTCOME_UNKNOWN";
}

/**
 * CircleCI did the action, but what it changed could not be read back to answer with (CircleCI failing right after
 * it, or slower to show it than the gateway waits). The sync stores it on its next cycle; an idempotency key, sent
 * again, answers it then without acting twice.
 */
export class ActionUnreadError extends Error {
  override name = "ActionUnreadError";
  /** Not CIRCLECI_ERROR: a client that retries on that would do the action twice. */
  readonly code = "ACTION_DONE_NOT_READ";
}
