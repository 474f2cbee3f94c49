/**
 * Errors the world raises when asked to act on something it does not hold, or to do something the
 * entity's current state does not allow. The HTTP layer maps the first to 404 and the second to 400,
 * each in CircleCI's wording for the endpoint.
 */

export class SimulatorError extends Error {
  override name = "SimulatorError";
}

export class UnknownResourceError extends SimulatorError {
  override name = "UnknownResourceError";

  constructor(
    readonly kind: "project" | "workflow" | "approval request" | "job",
    readonly id: string,
  ) {
    super(`Unknown ${kind}: ${id}`);
  }
}

/** Why an action was refused: the HTTP layer answers each with CircleCI's own message. */
export type RefusalReason = "workflow-not-finished" | "workflow-not-live" | "approval-not-on-hold" | "job-not-in-workflow";

export class InvalidActionError extends SimulatorError {
  override name = "InvalidActionError";

  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}
