import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { SyncEngine } from "../sync/index.js";
import type { CycleReport, ProgressEvent, StreamReport } from "../sync/index.js";
import { createRuntime } from "./runtime.js";

/**
 * `circleci-gateway sync --once`: one full cycle against the configured CircleCI and store, a line per
 * stream and project as it finishes, a summary table, and an exit code (0 only when every stream succeeded).
 */
export async function runSyncOnce(config: Config, logger: Logger, print: (line: string) => void): Promise<number> {
  if (config.redisUrl === undefined) {
    print("note: no REDIS_URL, so the data synced now lives only in this process and is gone when it exits.");
  }
  const runtime = createRuntime(config, logger);
  try {
    const engine = new SyncEngine({
      client: runtime.client,
      store: runtime.store,
      bus: runtime.bus,
      projectSlugs: config.projectSlugs ?? [],
      orgId: config.orgId,
      lookbackHours: config.syncLookbackHours,
      backfillDays: config.syncBackfillDays,
      concurrency: config.circleciConcurrency,
      logger,
      onProgress: (event) => {
        const line = progressLine(event);
        if (line !== undefined) print(line);
      },
    });
    const report = await engine.runCycle();
    for (const line of summary(report)) print(line);
    return report.ok ? 0 : 1;
  } finally {
    await runtime.close();
  }
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
  return `${report.records} records, ${report.pages} pages${notFound}`;
}

/** A table of every stream, then the verdict with the first error (which says how to fix it). */
function summary(report: CycleReport): string[] {
  const rows = report.streams.map((stream) => [stream.stream, stream.projectSlug ?? "-", String(stream.records), String(stream.pages), status(stream)]);
  const header = ["stream", "project", "records", "pages", "status"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] as number)).join("  ").trimEnd();
  const seconds = ((Date.parse(report.completedAt) - Date.parse(report.startedAt)) / 1000).toFixed(1);
  const firstError = report.streams.find((stream) => stream.error !== undefined)?.error;
  const verdict = report.ok
    ? `sync done in ${seconds} s with ${report.calls} CircleCI calls`
    : `sync failed after ${seconds} s (${report.calls} CircleCI calls)${firstError === undefined ? "" : `: ${firstError}`}`;
  return ["", format(header), ...rows.map(format), "", verdict];
}

function status(stream: StreamReport): string {
  if (stream.error !== undefined) return "failed";
  return stream.skipped === undefined ? "ok" : "skipped";
}
