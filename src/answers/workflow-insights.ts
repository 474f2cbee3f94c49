import type { Workflow } from "../circleci/index.js";
import { groupByName } from "./by-name.js";
import { durationStatsOf, secondsBetween } from "./duration-stats.js";
import type { DurationStats } from "./duration-stats.js";
import { meanTimeToRecoverySeconds } from "./mttr.js";
import { runCountsOf } from "./run-counts.js";
import type { RunCounts } from "./run-counts.js";
import { workflowOutcome } from "./run-outcome.js";
import { instantOf, oldestFirst } from "./run-order.js";
import { wasCreatedIn, windowDays } from "./window.js";
import type { InsightWindow } from "./window.js";

export interface WorkflowInsightsInput {
  projectSlug: string;
  /** The branch `workflows` belong to; null when they are every branch's. */
  branch: string | null;
  window: InsightWindow;
  /** Runs of the project (on the branch); those not created in the window are left out. */
  workflows: readonly Workflow[];
  /** Only this name: then exactly one insight, with zero runs when it has none in the window. */
  workflowName?: string;
}

export interface WorkflowInsight extends RunCounts {
  projectSlug: string;
  workflowName: string;
  branch: string | null;
  windowStart: string;
  windowEnd: string;
  /** `totalRuns` per day of the window. */
  throughputPerDay: number;
  mttrSeconds: number | null;
  /** `stopped_at - created_at` of the successful runs; null with none. */
  duration: DurationStats | null;
}

/** One insight per workflow name with runs created in the window (or just `workflowName`), by name. */
export function workflowInsightsOf(input: WorkflowInsightsInput): WorkflowInsight[] {
  const { workflowName, window } = input;
  const runs = oldestFirst(input.workflows).filter(
    (workflow) => (workflowName === undefined || workflow.name === workflowName) && wasCreatedIn(window, workflow),
  );
  return groupByName(runs, (workflow) => workflow.name, workflowName === undefined ? [] : [workflowName])
    .map(([name, named]) => insightOf(input, name, named));
}

function insightOf(input: WorkflowInsightsInput, workflowName: string, runs: readonly Workflow[]): WorkflowInsight {
  const counts = runCountsOf(runs.map((run) => workflowOutcome(run.status)));
  const durations = runs.flatMap((run) =>
    run.status === "success" && run.stopped_at != null ? [secondsBetween(instantOf(run.created_at), instantOf(run.stopped_at))] : [],
  );
  return {
    projectSlug: input.projectSlug,
    workflowName,
    branch: input.branch,
    windowStart: new Date(input.window.start).toISOString(),
    windowEnd: new Date(input.window.end).toISOString(),
    ...counts,
    throughputPerDay: counts.totalRuns / windowDays(input.window),
    mttrSeconds: meanTimeToRecoverySeconds(runs),
    duration: durationStatsOf(durations),
  };
}
