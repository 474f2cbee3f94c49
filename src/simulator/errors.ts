/**
 * Errors the world raises when asked to act on something it does not hold, or to do something the
 * entity's current state does not allow. The HTTP layer maps the first to 404 and the second to 400.
 */

export class SimulatorError extends Error {
  override name = "SimulatorError";
}

export class UnknownResourceError extends SimulatorError {
  override name = "UnknownResourceError";

  constructor(
    readonly kind: "project" | "workflow" | "approval request",
    readonly id: string,
  ) {
    super(`Unknown ${kind}: ${id}`);
  }
}

export class InvalidActionError extends SimulatorError {
  override name = "InvalidActionError";
}
