import { groupByName } from "./by-name.js";
import { durationStatsOf, secondsBetween } from "./duration-stats.js";
import type { DurationStats } from "./duration-stats.js";
import { runCountsOf } from "./run-counts.js";
import type { RunCounts } from "./run-counts.js";
import { jobOutcome } from "./run-outcome.js";
import { instantOf } from "./run-order.js";
import { distinctJobRuns } from "./runs.js";
import type { JobRun, WorkflowRun } from "./runs.js";
import { wasCreatedIn } from "./window.js";
import type { InsightWindow } from "./window.js";

export interface JobInsightsInput {
  workflowName: string;
  window: InsightWindow;
  /** Runs of the project (on the branch); other workflow names and runs not created in the window are left out. */
  runs: readonly WorkflowRun[];
}

export interface JobInsight extends RunCounts {
  name: string;
  /** `stopped_at - started_at` of the successful runs; null with none. */
  duration: DurationStats | null;
  /** `started_at - queued_at` (job details) of every run that started; null with none. */
  queueSeconds: DurationStats | null;
}

/**
 * One insight per job name in the runs of `workflowName` created in the window, by name. A job a rerun
 * carried over counts once, in the first run it appears in.
 */
export function jobInsightsOf(input: JobInsightsInput): JobInsight[] {
  const runs = input.runs.filter(({ workflow }) => workflow.name === input.workflowName && wasCreatedIn(input.window, workflow));
  const jobRuns = distinctJobRuns(runs).map(({ jobRun }) => jobRun);
  return groupByName(jobRuns, ({ job }) => job.name).map(([name, named]) => insightOf(name, named));
}

function insightOf(name: string, jobRuns: readonly JobRun[]): JobInsight {
  const durations = jobRuns.flatMap(({ job }) =>
    job.status === "success" && job.started_at != null && job.stopped_at != null
      ? [secondsBetween(instantOf(job.started_at), instantOf(job.stopped_at))]
      : [],
  );
  const queued = jobRuns.flatMap(({ job, details }) => {
    const startedAt = details?.started_at ?? job.started_at;
    return details === undefined || startedAt == null ? [] : [secondsBetween(instantOf(details.queued_at), instantOf(startedAt))];
  });
  return {
    name,
    ...runCountsOf(jobRuns.map(({ job }) => jobOutcome(job.status))),
    duration: durationStatsOf(durations),
    queueSeconds: durationStatsOf(queued),
  };
}
