import type { RunOutcome } from "./run-outcome.js";

/** How the runs of a workflow (or job) name in a window went. */
export interface RunCounts {
  /** Every run, live ones included. */
  totalRuns: number;
  finishedRuns: number;
  successfulRuns: number;
  failedRuns: number;
  /** `successfulRuns / finishedRuns`; null while none finished. */
  successRate: number | null;
}

export function runCountsOf(outcomes: readonly RunOutcome[]): RunCounts {
  const count = (wanted: (outcome: RunOutcome) => boolean) => outcomes.filter(wanted).length;
  const finishedRuns = count((outcome) => outcome !== "live");
  const successfulRuns = count((outcome) => outcome === "success");
  return {
    totalRuns: outcomes.length,
    finishedRuns,
    successfulRuns,
    failedRuns: count((outcome) => outcome === "failed"),
    successRate: finishedRuns === 0 ? null : successfulRuns / finishedRuns,
  };
}
