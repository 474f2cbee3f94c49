/**
 * How a webhook's news patches a stored document. Pure, so "a replayed or late delivery never moves an entity
 * back" is a property of these functions rather than of the I/O around them. CircleCI retries deliveries and does
 * not order them, and the sync may have written a newer state in between.
 */
import type { Workflow, WorkflowJob } from "../circleci/index.js";
import { sameDocument } from "../sync/changes.js";
import { isLiveWorkflowStatus, isTerminalJobStatus } from "../sync/live.js";
import type { JobCompleted, WorkflowCompleted } from "./schemas.js";

/** The part of a document a webhook reports on. */
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

/** The workflow after the news, or `undefined` when the news changes nothing. */
export function reviseWorkflow(stored: Workflow, news: WorkflowCompleted["workflow"]): Workflow | undefined {
  if (!supersedes(stored, news, isTerminalWorkflowStatus)) return undefined;
  return unlessSame(stored, { ...stored, status: news.status, stopped_at: news.stopped_at ?? stored.stopped_at });
}

/** The job after the news, or `undefined` when the news changes nothing. */
export function reviseJob(stored: WorkflowJob, news: JobCompleted["job"]): WorkflowJob | undefined {
  if (!supersedes(stored, news, isTerminalJobStatus)) return undefined;
  return unlessSame(stored, {
    ...stored,
    status: news.status,
    started_at: news.started_at ?? stored.started_at,
    stopped_at: news.stopped_at ?? stored.stopped_at,
  });
}

function isTerminalWorkflowStatus(status: string): boolean {
  return !isLiveWorkflowStatus(status);
}

function unlessSame<T>(stored: T, revised: T): T | undefined {
  return sameDocument(stored, revised) ? undefined : revised;
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
