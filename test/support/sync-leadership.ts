import type { CliRun } from "./cli-process.js";

/** What a `serve` process says about its part in the sync, read from its stdout. */
const CYCLE_DONE = /^sync cycle done: .*\(leader epoch (\d+)\)$/;

/** The leader epoch of every cycle this process completed, in order. */
export function cycleEpochs(run: CliRun): number[] {
  return run
    .stdout()
    .split("\n")
    .flatMap((line) => line.match(CYCLE_DONE)?.[1] ?? [])
    .map(Number);
}

/** When this process's tenures as leader began (its JSON log's `became leader` lines). */
export function tenures(run: CliRun): { time: number; fencingToken: number }[] {
  return run
    .stdout()
    .split("\n")
    .filter((line) => line.startsWith("{") && line.includes('"became leader"'))
    .map((line) => JSON.parse(line) as { time: number; fencingToken: number });
}
