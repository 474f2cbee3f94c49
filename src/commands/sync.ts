import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { LocalLeaderLock, RedisLeaderLock } from "../store/index.js";
import type { LeaderLock } from "../store/index.js";
import { SyncEngine, SyncScheduler } from "../sync/index.js";
import type { CycleReport, ProgressEvent, StreamReport } from "../sync/index.js";
import { createProgressDisplay } from "./progress-display.js";
import type { ProgressDisplay, ProgressOutput } from "./progress-display.js";
import { createRuntime } from "./runtime.js";
import type { Runtime } from "./runtime.js";
import { SyncProgress } from "./sync-progress.js";

export type Print = (line: string) => void;

function createEngine(config: Config, runtime: Runtime, logger: Logger, onProgress?: (event: ProgressEvent) => void): SyncEngine {
  return new SyncEngine({
    client: runtime.client,
    store: runtime.store,
    writer: runtime.writer,
    projectSlugs: config.projectSlugs ?? [],
    orgSlug: config.orgSlug,
    orgId: config.orgId,
    lookbackHours: config.syncLookbackHours,
    backfillDays: config.syncBackfillDays,
    syncTests: config.syncTests,
    retentionDays: config.syncRetentionDays,
    concurrency: config.circleciConcurrency,
    logger,
    onProgress,
  });
}

/** How often the progress line is refreshed: live on a terminal, sparingly in a log. */
const TERMINAL_REFRESH_MS = 250;
const PLAIN_REFRESH_MS = 10_000;

/**
 * `circleci-gateway sync --once`: one full cycle against the configured CircleCI and store, a line per
 * stream and project as it finishes, a summary table, and an exit code (0 only when every stream succeeded).
 * While it runs, how far the backfill has got and the time left: a live line when `output` is a terminal, a plain
 * line every 10 s otherwise (default: plain lines through `print`).
 */
export async function runSyncOnce(config: Config, logger: Logger, print: Print, output: ProgressOutput = { write: print }): Promise<number> {
  if (config.redisUrl === undefined) {
    print("note: no REDIS_URL, so the data synced now lives only in this process and is gone when it exits.");
  }
  const runtime = createRuntime(config, logger);
  try {
    const display = createProgressDisplay(output, print);
    const report = await runCycleShowingProgress(display, config.projectSlugs ?? [], (onProgress) =>
      createEngine(config, runtime, logger, onProgress).runCycle(),
    );
    for (const line of summary(report)) print(line);
    return report.ok ? 0 : 1;
  } finally {
    await runtime.close();
  }
}

/** Runs the cycle with a line per finished stream and a refreshed progress line, removed before the cycle returns. */
async function runCycleShowingProgress(
  display: ProgressDisplay,
  projectSlugs: readonly string[],
  run: (onProgress: (event: ProgressEvent) => void) => Promise<CycleReport>,
): Promise<CycleReport> {
  const progress = new SyncProgress(projectSlugs);
  const started = Date.now();
  let shown: number | undefined;
  const refresh = setInterval(
    () => {
      // A log gets a line only when there is news; a terminal's line also ticks its time left.
      if (!display.live && progress.fraction === shown) return;
      shown = progress.fraction;
      display.update(progress.describe(Date.now() - started));
    },
    display.live ? TERMINAL_REFRESH_MS : PLAIN_REFRESH_MS,
  );
  try {
    return await run((event) => {
      progress.observe(event);
      const line = progressLine(event);
      if (line !== undefined) display.print(line);
    });
  } finally {
    clearInterval(refresh);
    display.finish();
  }
}

export interface SyncLoop {
  /** Aborts the running cycle at a safe point, releases the leader lease, closes connections. */
  stop(): Promise<void>;
  /** Whether this instance holds the leader lease now, so its cycles are the ones that run. */
  readonly isLeader: boolean;
}

/**
 * `circleci-gateway sync`: the background sync alone, a cycle every `SYNC_INTERVAL_SECONDS` while this
 * instance holds the leader lease (with Redis, one instance of many syncs; without, this one always does).
 */
export function startSyncLoop(config: Config, logger: Logger, print: Print): SyncLoop {
  const runtime = createRuntime(config, logger);
  const sync = startBackgroundSync(config, runtime, logger, print);
  print(`sync: a cycle every ${config.syncIntervalSeconds} s while this instance is the leader; Ctrl-C stops.`);
  return {
    async stop() {
      await sync.stop();
      await runtime.close();
    },
    get isLeader() {
      return sync.isLeader;
    },
  };
}

/**
 * The sync loop over a runtime someone else owns (`sync` and `serve` share it): bids for the leader lease and
 * runs a cycle every `SYNC_INTERVAL_SECONDS` (> 0) while it holds it, printing a line per cycle and handing each
 * report to `observeCycle` (metrics). `stop` aborts the running cycle at a safe point and releases the lease; the
 * runtime stays open.
 */
export function startBackgroundSync(
  config: Config,
  runtime: Runtime,
  logger: Logger,
  print: Print,
  observeCycle: (report: CycleReport) => void = () => {},
): SyncLoop {
  const lock: LeaderLock =
    config.redisUrl === undefined
      ? new LocalLeaderLock()
      : RedisLeaderLock.connect(config.redisUrl, { prefix: config.redisPrefix, cluster: config.redisCluster, ttlMs: config.syncLeaderTtlSeconds * 1000, logger });
  const scheduler = new SyncScheduler({
    engine: createEngine(config, runtime, logger),
    lock,
    intervalMs: config.syncIntervalSeconds * 1000,
    logger,
    onCycle: (report) => {
      observeCycle(report);
      print(cycleLine(report, lock.fencingToken));
    },
  });
  scheduler.start();
  return {
    async stop() {
      await scheduler.stop();
      await lock.close();
    },
    get isLeader() {
      return lock.isLeader;
    },
  };
}

function cycleLine(report: CycleReport, epoch: number | undefined): string {
  const records = report.streams.reduce((sum, stream) => sum + stream.records, 0);
  const leader = epoch === undefined ? "" : ` (leader epoch ${epoch})`;
  if (report.aborted) return `sync cycle aborted: leadership lost or stopping${leader}`;
  return report.ok
    ? `sync cycle done: ${records} records, ${report.calls} CircleCI calls${removedNote(report)}${leader}`
    : `sync cycle failed: ${firstError(report) ?? "see the log"}${leader}`;
}

/** What retention removed, said only when it removed something. */
function removedNote(report: CycleReport): string {
  return report.removed === 0 ? "" : `; ${report.removed} expired pipelines removed`;
}

function progressLine(event: ProgressEvent): string | undefined {
  switch (event.type) {
    case "stream.done":
      return `${streamName(event.report)}: ${outcome(event.report)}`;
    case "rate-limit.wait":
      return `rate limit: CircleCI asked to slow down, paused ${event.waits} time(s) for ${Math.round(event.waitedMs)} ms`;
    default:
      return undefined;
  }
}

function streamName(report: StreamReport): string {
  return report.projectSlug === undefined ? report.stream : `${report.stream} ${report.projectSlug}`;
}

function outcome(report: StreamReport): string {
  if (report.error !== undefined) return `FAILED: ${report.error}`;
  if (report.skipped !== undefined) return `skipped: ${report.skipped}`;
  const notFound = report.notFound === undefined ? "" : `, ${report.notFound} not found`;
  const rejected = report.rejected === undefined ? "" : `, ${report.rejected} rejected (last: ${report.lastRejection})`;
  return `${report.records} records, ${report.pages} pages${notFound}${rejected}`;
}

/** A table of every stream, then the verdict with the first error (which says how to fix it). */
function summary(report: CycleReport): string[] {
  const rows = report.streams.map((stream) => [stream.stream, stream.projectSlug ?? "-", String(stream.records), String(stream.pages), status(stream)]);
  const header = ["stream", "project", "records", "pages", "status"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] as number)).join("  ").trimEnd();
  const seconds = ((Date.parse(report.completedAt) - Date.parse(report.startedAt)) / 1000).toFixed(1);
  const error = firstError(report);
  const verdict = report.ok
    ? `sync done in ${seconds} s with ${report.calls} CircleCI calls${removedNote(report)}`
    : `sync failed after ${seconds} s (${report.calls} CircleCI calls)${error === undefined ? "" : `: ${error}`}`;
  return ["", format(header), ...rows.map(format), "", verdict];
}

/** The first failure of a cycle: its message says how to fix it. */
function firstError(report: CycleReport): string | undefined {
  return report.streams.find((stream) => stream.error !== undefined)?.error;
}

function status(stream: StreamReport): string {
  if (stream.error !== undefined) return "failed";
  return stream.skipped === undefined ? "ok" : "skipped";
}
