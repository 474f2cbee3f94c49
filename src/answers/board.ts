import type { Workflow } from "../circleci/index.js";
import { groupByName } from "./by-name.js";
import { failureStreaks } from "./failure-streaks.js";
import { workflowOutcome } from "./run-outcome.js";
import { endedAt, oldestFirst } from "./run-order.js";

/** Which board: one project on one branch. */
export interface BoardScope {
  projectSlug: string;
  branch: string;
}

/** How one workflow name of a project is doing on a branch. */
export interface BoardEntry extends BoardScope {
  workflowName: string;
  /** The newest run by `created_at`, live or not. */
  latest: Workflow;
  /** The newest finished run; null while every run is live. */
  lastFinished: Workflow | null;
  /** When the newest successful run stopped; null when none succeeded. */
  lastSuccessAt: string | null;
  /**
   * When the oldest run of the unbroken streak of failed (or errored) finished runs that ends with
   * `lastFinished` stopped; null when `lastFinished` did not fail (or there is none).
   */
  failingSince: string | null;
}

/**
 * The board of one project and branch from its runs (every workflow of the branch's pipelines, each at
 * its latest known state): one entry per workflow name, by name.
 */
export function boardOf(scope: BoardScope, workflows: readonly Workflow[]): BoardEntry[] {
  return groupByName(oldestFirst(workflows), (workflow) => workflow.name)
    .map(([workflowName, named]) => entryOf(scope, workflowName, named));
}

function entryOf(scope: BoardScope, workflowName: string, oldestToNewest: readonly Workflow[]): BoardEntry {
  const finished = oldestToNewest.filter((run) => workflowOutcome(run.status) !== "live");
  const lastSuccess = finished.findLast((run) => run.status === "success");
  const newestStreak = failureStreaks(finished, (run) => workflowOutcome(run.status)).at(-1);
  const failingSince = newestStreak !== undefined && newestStreak.endedBy === undefined ? newestStreak.failures[0] : undefined;
  return {
    ...scope,
    workflowName,
    latest: oldestToNewest.at(-1) as Workflow,
    lastFinished: finished.at(-1) ?? null,
    lastSuccessAt: lastSuccess === undefined ? null : endedAt(lastSuccess),
    failingSince: failingSince === undefined ? null : endedAt(failingSince),
  };
}
