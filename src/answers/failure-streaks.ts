import type { RunOutcome } from "./run-outcome.js";

/** Consecutive failed runs among the finished runs of a workflow name. */
export interface FailureStreak<T> {
  /** Oldest first; never empty. */
  failures: T[];
  /** The finished run right after the last failure, which ended the streak; undefined while the streak is the newest. */
  endedBy: T | undefined;
}

/**
 * The streaks of failed runs in `finished` (finished runs only, oldest first). Any finished run that did
 * not fail ends a streak, a success or not (a canceled run says nothing about whether the failure was
 * fixed, so it does not count as a recovery either); live runs are no part of the sequence.
 */
export function failureStreaks<T>(finished: readonly T[], outcomeOf: (run: T) => RunOutcome): FailureStreak<T>[] {
  const streaks: FailureStreak<T>[] = [];
  let current: T[] = [];
  for (const run of finished) {
    if (outcomeOf(run) === "failed") {
      current.push(run);
      continue;
    }
    if (current.length > 0) streaks.push({ failures: current, endedBy: run });
    current = [];
  }
  if (current.length > 0) streaks.push({ failures: current, endedBy: undefined });
  return streaks;
}
