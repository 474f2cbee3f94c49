/** Durations in seconds. */
export interface DurationStats {
  min: number;
  max: number;
  mean: number;
  median: number;
  p95: number;
}

/**
 * Statistics of a set of durations, null for an empty set. The median and p95 are by nearest rank: the
 * smallest sample with at least that share of the samples at or below it (so always one of the samples,
 * never an interpolation).
 */
export function durationStatsOf(seconds: readonly number[]): DurationStats | null {
  if (seconds.length === 0) return null;
  const sorted = [...seconds].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    min: sorted[0] as number,
    max: sorted.at(-1) as number,
    mean: total / sorted.length,
    median: nearestRank(sorted, 50),
    p95: nearestRank(sorted, 95),
  };
}

function nearestRank(sorted: readonly number[], percent: number): number {
  // Integer arithmetic: 0.95 * n in floating point can land a hair above an integer and skip a rank.
  const rank = Math.max(1, Math.ceil((percent * sorted.length) / 100));
  return sorted[rank - 1] as number;
}

/** Seconds from one instant to another (epoch ms). */
export function secondsBetween(fromMs: number, toMs: number): number {
  return (toMs - fromMs) / 1000;
}
