/**
 * Where a walk of a project's pipelines (newest first) stops, and what it keeps. Timestamps are
 * compared as instants: CircleCI mixes precisions, so strings do not sort (API.md §1 "Timestamps").
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface WindowSettings {
  /** The project's high-water mark (newest `created_at` written), or undefined before its first sync. */
  highWaterMark: string | undefined;
  now: number;
  lookbackHours: number;
  backfillDays: number;
  /** Retention (`SYNC_RETENTION_DAYS`), when pipelines older than it are removed. */
  retentionDays?: number;
}

/**
 * Epoch ms of the oldest `created_at` the walk keeps: the backfill start on the first sync, then
 * the high-water mark minus the lookback, so every pipeline that may still change is re-read; never
 * before the retention cutoff, or a project quiet for longer would have its overlap stored again
 * (and announced as new) each cycle only to be removed again.
 */
export function windowStart(settings: WindowSettings): number {
  const start =
    settings.highWaterMark === undefined ? settings.now - settings.backfillDays * DAY_MS : Date.parse(settings.highWaterMark) - settings.lookbackHours * HOUR_MS;
  return settings.retentionDays === undefined ? start : Math.max(start, retentionCutoff(settings.now, settings.retentionDays));
}

export function isInWindow(pipeline: { created_at: string }, start: number): boolean {
  return Date.parse(pipeline.created_at) >= start;
}

/**
 * True once a whole page is older than the window. One old pipeline is not enough: the order is
 * newest first by creation, but nothing promises it to the millisecond across a page. An empty
 * page (CircleCI may send one with a next token) says nothing, so the walk goes on.
 */
export function isPastWindow(page: readonly { created_at: string }[], start: number): boolean {
  return page.length > 0 && page.every((pipeline) => !isInWindow(pipeline, start));
}

/**
 * How much of the window a walk has covered once it read `page`, from 0 (nothing) to 1 (it reached the window's
 * start): the share of the time span from now back to the start that lies after the page's oldest pipeline. The
 * walk reads newest first, so this grows page by page; it estimates how far a long backfill has got.
 */
export function windowCoverage(page: readonly { created_at: string }[], start: number, now: number): number {
  if (page.length === 0 || now <= start) return page.length === 0 ? 0 : 1;
  const oldest = Math.min(...page.map(({ created_at }) => Date.parse(created_at)));
  return Math.min(1, Math.max(0, (now - oldest) / (now - start)));
}

/**
 * The new high-water mark: the newest `created_at` among the previous mark and the pipelines
 * written. Without either (a project with no pipeline in its backfill), the window start itself,
 * so the next walk still covers everything since then.
 */
export function nextHighWaterMark(previous: string | undefined, written: readonly { created_at: string }[], start: number): string {
  let newest = previous;
  for (const { created_at } of written) {
    if (newest === undefined || Date.parse(created_at) > Date.parse(newest)) newest = created_at;
  }
  return newest ?? new Date(start).toISOString();
}

/** Epoch ms before which finished pipelines are removed from the store: `retentionDays` before now. */
export function retentionCutoff(now: number, retentionDays: number): number {
  return now - retentionDays * DAY_MS;
}

/** The name of a project's high-water mark among the store's cursors. */
export function pipelineCursorName(projectSlug: string): string {
  return `pipelines:${projectSlug}`;
}
