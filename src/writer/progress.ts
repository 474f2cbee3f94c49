/**
 * The rule that keeps concurrent writers (the sync, webhooks, the read path) from moving a workflow, a job or a job
 * record back: CircleCI retries webhook deliveries and does not order them, the sync may have read an entity before a
 * webhook told of its end, and CircleCI's API may lag behind its webhooks. Pure, so "never back" is a property of
 * these functions rather than of the I/O around them.
 */
import type { JobRecord } from "../store/store.js";
import type { Workflow, WorkflowJob } from "../circleci/index.js";
import { isLiveWorkflowStatus, isTerminalJobStatus } from "../sync/live.js";

/** The part of a document that says how far its entity has got. */
export interface Progress {
  status: string;
  stopped_at?: string | null;
}

/**
 * Whether `incoming` is newer than `stored`. A live state always gives way. A terminal one only to another terminal
 * state that stopped strictly later (a job rerun in place); never to a live state, never to an equal or older
 * `stopped_at`, so an identical replay supersedes nothing.
 */
export function supersedes(stored: Progress, incoming: Progress, isTerminal: (status: string) => boolean): boolean {
  if (!isTerminal(stored.status)) return true;
  if (!isTerminal(incoming.status)) return false;
  return instantMicros(incoming.stopped_at) > instantMicros(stored.stopped_at);
}

/**
 * The same state, read again: same status, stopped at the same instant to the precision both timestamps have
 * (CircleCI's API gives milliseconds where its webhooks give microseconds). Its other fields may be newer (who
 * canceled it, where a rerun carried a job), so it is taken.
 */
export function sameProgress(a: Progress, b: Progress): boolean {
  if (a.status !== b.status) return false;
  if (a.stopped_at == null || b.stopped_at == null) return a.stopped_at == null && b.stopped_at == null;
  const unit = 10 ** (6 - Math.min(fractionDigits(a.stopped_at), fractionDigits(b.stopped_at)));
  return Math.floor(instantMicros(a.stopped_at) / unit) === Math.floor(instantMicros(b.stopped_at) / unit);
}

/** What to store: `incoming`, unless it would move the stored document back. */
export function laterOf<T>(stored: T | undefined, incoming: T, progressOf: (document: T) => Progress, isTerminal: (status: string) => boolean): T {
  if (stored === undefined) return incoming;
  const [was, is] = [progressOf(stored), progressOf(incoming)];
  return supersedes(was, is, isTerminal) || sameProgress(was, is) ? incoming : stored;
}

export function isTerminalWorkflowStatus(status: string): boolean {
  return !isLiveWorkflowStatus(status);
}

export const laterWorkflow = (stored: Workflow | undefined, incoming: Workflow): Workflow => laterOf(stored, incoming, (workflow) => workflow, isTerminalWorkflowStatus);

export const laterJob = (stored: WorkflowJob | undefined, incoming: WorkflowJob): WorkflowJob => laterOf(stored, incoming, (job) => job, isTerminalJobStatus);

/**
 * The later record, keeping the test results either one holds of the same run (the same progress): a re-read of the
 * details that did not ask for them again (the sync never re-fetches results once stored) keeps them, and results
 * read since (the `tests` stream, a query's fallthrough) join the record. Results of a run the record moved past
 * are dropped with it.
 */
export function laterJobRecord(stored: JobRecord | undefined, incoming: JobRecord): JobRecord {
  const later = laterOf(stored, incoming, (record) => record.details, isTerminalJobStatus);
  const other = later === incoming ? stored : incoming;
  if (later.tests !== undefined || other?.tests === undefined || !sameProgress(later.details, other.details)) return later;
  return { ...later, tests: other.tests };
}

/**
 * An RFC 3339 instant in microseconds since the epoch; a missing one is before everything. `Date.parse` stops at
 * milliseconds, and webhook timestamps carry microseconds.
 */
function instantMicros(timestamp: string | null | undefined): number {
  if (timestamp === undefined || timestamp === null) return Number.NEGATIVE_INFINITY;
  const fraction = /\.(\d+)/.exec(timestamp)?.[1] ?? "";
  return Date.parse(timestamp) * 1000 + Number(fraction.padEnd(6, "0").slice(3, 6));
}

/** Digits after the seconds, up to microseconds. */
function fractionDigits(timestamp: string): number {
  return Math.min(6, /\.(\d+)/.exec(timestamp)?.[1]?.length ?? 0);
}
