import { isLiveWorkflowStatus, isTerminalJobStatus } from "../sync/live.js";

/**
 * What a run's status means for the answers: it succeeded, it failed, it finished some other way
 * (canceled, not run, unauthorized, a job that was retried), or it is still live. Statuses CircleCI
 * adds later count as live, as they do for the sync: calling an unknown status finished could
 * freeze a running workflow into the statistics.
 */
export type RunOutcome = "success" | "failed" | "other" | "live";

/** A workflow fails with `failed` or `error`. */
const FAILED_WORKFLOW_STATUSES: ReadonlySet<string> = new Set(["failed", "error"]);

/** A job fails when it ends without success by itself: its commands failed, its machine failed, or it ran out of time. */
const FAILED_JOB_STATUSES: ReadonlySet<string> = new Set(["failed", "infrastructure_fail", "timedout", "terminated-unknown"]);

export function workflowOutcome(status: string): RunOutcome {
  if (isLiveWorkflowStatus(status)) return "live";
  if (status === "success") return "success";
  return FAILED_WORKFLOW_STATUSES.has(status) ? "failed" : "other";
}

export function jobOutcome(status: string): RunOutcome {
  if (!isTerminalJobStatus(status)) return "live";
  if (status === "success") return "success";
  return FAILED_JOB_STATUSES.has(status) ? "failed" : "other";
}
