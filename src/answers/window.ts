import type { Workflow } from "../circleci/index.js";
import { instantOf } from "./run-order.js";

/** The time range `[start, end)` an insight covers, epoch ms. */
export interface InsightWindow {
  start: number;
  end: number;
}

export const DEFAULT_WINDOW_DAYS = 30;
export const DAY_MS = 86_400_000;

/** A window that ends before it starts, or a bound that is not a date. */
export class InvalidWindowError extends Error {
  override name = "InvalidWindowError";
  readonly code = "INVALID_WINDOW";
}

/** `[since, until)`: `until` defaults to `now`, `since` to 30 days before `until`. */
export function insightWindow(bounds: { since?: Date | null; until?: Date | null; now: Date }): InsightWindow {
  const end = (bounds.until ?? bounds.now).getTime();
  const start = bounds.since == null ? end - DEFAULT_WINDOW_DAYS * DAY_MS : bounds.since.getTime();
  if (!Number.isFinite(start) || !Number.isFinite(end)) {
    throw new InvalidWindowError("since and until must be valid dates: pass ISO 8601 timestamps such as 2024-03-01T00:00:00Z");
  }
  if (start >= end) {
    throw new InvalidWindowError(
      `the window [${new Date(start).toISOString()}, ${new Date(end).toISOString()}) is empty: since must be before until`,
    );
  }
  return { start, end };
}

export function isInWindow(window: InsightWindow, instant: number): boolean {
  return instant >= window.start && instant < window.end;
}

/** Runs "in a window" are the workflows created in it, live ones included. */
export function wasCreatedIn(window: InsightWindow, workflow: Workflow): boolean {
  return isInWindow(window, instantOf(workflow.created_at));
}

/** The window's length in days, fractional. */
export function windowDays(window: InsightWindow): number {
  return (window.end - window.start) / DAY_MS;
}
