/**
 * Which CircleCI statuses can still change (API.md §4.4, §4.5). Unknown values count as live: a
 * status CircleCI adds later costs a few extra polls, whereas calling it terminal could freeze a
 * running workflow in the cache for good.
 */

const TERMINAL_WORKFLOW_STATUSES: ReadonlySet<string> = new Set([
  "success",
  "failed",
  "error",
  "canceled",
  "not_run",
  "unauthorized",
]);

const TERMINAL_JOB_STATUSES: ReadonlySet<string> = new Set([
  "success",
  "failed",
  "not_run",
  "retried",
  "infrastructure_fail",
  "timedout",
  "terminated-unknown",
  "canceled",
  "unauthorized",
]);

/** `running`, `failing`, `on_hold` (and anything new): re-polled every cycle until terminal. */
export function isLiveWorkflowStatus(status: string): boolean {
  return !TERMINAL_WORKFLOW_STATUSES.has(status);
}

export function isTerminalJobStatus(status: string): boolean {
  return TERMINAL_JOB_STATUSES.has(status);
}

/**
 * Whether a job can still move. A job left `blocked` behind a failed dependency stays blocked for
 * good once its workflow is terminal, so it only counts while the workflow is live.
 */
export function isJobInProgress(jobStatus: string, workflowStatus: string): boolean {
  if (isTerminalJobStatus(jobStatus)) return false;
  return jobStatus !== "blocked" || isLiveWorkflowStatus(workflowStatus);
}

export interface WorkflowProgress {
  status: string;
  /** The jobs read this cycle; absent when the workflow was terminal and unchanged (its jobs are final). */
  jobStatuses?: readonly string[];
}

/** A pipeline stays in the active set while any workflow is live or any job can still move. */
export function isPipelineActive(workflows: readonly WorkflowProgress[]): boolean {
  return workflows.some(
    (workflow) =>
      isLiveWorkflowStatus(workflow.status) ||
      (workflow.jobStatuses ?? []).some((jobStatus) => isJobInProgress(jobStatus, workflow.status)),
  );
}
