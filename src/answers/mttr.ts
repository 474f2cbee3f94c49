import type { Workflow } from "../circleci/index.js";
import { failureStreaks } from "./failure-streaks.js";
import { workflowOutcome } from "./run-outcome.js";
import { endedAt, instantOf } from "./run-order.js";
import { secondsBetween } from "./duration-stats.js";

/**
 * Mean time to recovery, seconds: over every streak of failed runs that a success ended, the time from
 * the first failure's stop to that success's stop. Null when no streak was recovered from. `runs` are
 * oldest first; live ones are skipped.
 */
export function meanTimeToRecoverySeconds(runs: readonly Workflow[]): number | null {
  const finished = runs.filter((run) => workflowOutcome(run.status) !== "live");
  const recoveries = failureStreaks(finished, (run) => workflowOutcome(run.status)).flatMap(({ failures, endedBy }) =>
    endedBy?.status === "success" ? [secondsBetween(instantOf(endedAt(failures[0] as Workflow)), instantOf(endedAt(endedBy)))] : [],
  );
  if (recoveries.length === 0) return null;
  return recoveries.reduce((sum, seconds) => sum + seconds, 0) / recoveries.length;
}
