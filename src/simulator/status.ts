/**
 * Pure status rules: how a workflow's status follows from its jobs, and how a job status reads in
 * v1.1's lifecycle/outcome/status triple. Kept apart from the lifecycle so they can be pinned by
 * small tests and read in one place.
 */

/** Job statuses that end a job without success; they fail the workflow. */
export const FAILED_JOB_STATUSES: ReadonlySet<string> = new Set([
  "failed",
  "infrastructure_fail",
  "timedout",
  "terminated-unknown",
]);

const BUSY_JOB_STATUSES: ReadonlySet<string> = new Set(["queued", "running", "not_running"]);

/** API.md §4.4: everything else (`running`, `failing`, `on_hold`) is live. */
const TERMINAL_WORKFLOW_STATUSES: ReadonlySet<string> = new Set([
  "success",
  "failed",
  "error",
  "canceled",
  "not_run",
  "unauthorized",
]);

export function isTerminalWorkflowStatus(status: string): boolean {
  return TERMINAL_WORKFLOW_STATUSES.has(status);
}

export interface JobProgress {
  status: string;
  /** Blocked behind a dependency that ended without success: CircleCI leaves it blocked for good. */
  stuck: boolean;
}

/**
 * A workflow is live while any job is busy, held for approval, or blocked on dependencies that may
 * still succeed. `failing` wins over `running` and `on_hold` once any job has failed; `on_hold`
 * shows only when nothing is busy, since CircleCI reports `running` while other branches still run.
 */
export function deriveWorkflowStatus(jobs: readonly JobProgress[]): string {
  let busy = false;
  let held = false;
  let waiting = false;
  let failed = false;
  let canceled = false;
  let allNotRun = jobs.length > 0;
  for (const job of jobs) {
    busy ||= BUSY_JOB_STATUSES.has(job.status);
    held ||= job.status === "on_hold";
    waiting ||= job.status === "blocked" && !job.stuck;
    failed ||= FAILED_JOB_STATUSES.has(job.status);
    canceled ||= job.status === "canceled";
    allNotRun &&= job.status === "not_run";
  }
  if (busy || held || waiting) {
    if (failed) return "failing";
    return busy || !held ? "running" : "on_hold";
  }
  if (failed) return "failed";
  if (canceled) return "canceled";
  return allNotRun ? "not_run" : "success";
}

export interface V1Status {
  lifecycle: string;
  outcome: string | null;
  status: string;
}

const V1_BY_JOB_STATUS: Record<string, V1Status> = {
  queued: { lifecycle: "queued", outcome: null, status: "queued" },
  not_running: { lifecycle: "not_running", outcome: null, status: "not_running" },
  running: { lifecycle: "running", outcome: null, status: "running" },
  success: { lifecycle: "finished", outcome: "success", status: "success" },
  failed: { lifecycle: "finished", outcome: "failed", status: "failed" },
  infrastructure_fail: { lifecycle: "finished", outcome: "infrastructure_fail", status: "infrastructure_fail" },
  timedout: { lifecycle: "finished", outcome: "timedout", status: "timedout" },
  canceled: { lifecycle: "finished", outcome: "canceled", status: "canceled" },
  not_run: { lifecycle: "not_run", outcome: null, status: "not_run" },
};

/** v1.1 has no `terminated-unknown`; such a job reads as a plain failure there. */
const V1_FALLBACK: V1Status = { lifecycle: "finished", outcome: "failed", status: "failed" };

export function v1StatusOf(jobStatus: string): V1Status {
  return V1_BY_JOB_STATUS[jobStatus] ?? V1_FALLBACK;
}
