import type { RecordRejection } from "../circleci/index.js";
import type { StreamName } from "../store/store.js";

/** What one stream did for one project (or for the organization: contexts) in one cycle. */
export interface StreamReport {
  stream: StreamName;
  /** Absent for contexts, which belong to the organization. */
  projectSlug?: string;
  /** New or changed documents written. */
  records: number;
  /**
   * Pages of the pipeline list read; for the other streams, lists and documents read (the client
   * follows a list's pages by itself, so one list may be several requests).
   */
  pages: number;
  /** Items CircleCI answered 404 for and the stream skipped (job details of a job gone or hidden). */
  notFound?: number;
  /** Records CircleCI sent that did not fit their schema: left out, the rest of the stream synced. */
  rejected?: number;
  /** The last of them, in words: the endpoint, which record, and what did not fit (never the body). */
  lastRejection?: string;
  /** The failure, in the client's words: what happened and how to fix it. Never holds the token. */
  error?: string;
  /** Why the stream did not run, when that is not a failure (contexts without an organization id). */
  skipped?: string;
}

export interface CycleReport {
  /** Every stream finished without error and the cycle was not aborted. */
  ok: boolean;
  /** Stopped early by the abort signal (leadership lost, or the scheduler stopping): nothing was written after that. */
  aborted: boolean;
  startedAt: string;
  completedAt: string;
  /** Streams that finished, in the order they finished; an aborted cycle lists only those. */
  streams: StreamReport[];
  /** Requests this cycle sent to CircleCI, retries included (from the client's stats). */
  calls: number;
  /** Finished pipelines removed from the store for being older than the retention window. */
  removed: number;
}

/** The cycle's one log line: enough to chart it, and the first error, which says how to fix it. */
export function cycleLogFields(report: CycleReport) {
  const failed = report.streams.filter((stream) => stream.error !== undefined);
  return {
    ok: report.ok,
    aborted: report.aborted,
    records: report.streams.reduce((sum, stream) => sum + stream.records, 0),
    rejected: report.streams.reduce((sum, stream) => sum + (stream.rejected ?? 0), 0),
    calls: report.calls,
    removed: report.removed,
    durationMs: Date.parse(report.completedAt) - Date.parse(report.startedAt),
    failedStreams: failed.length,
    ...(failed[0] === undefined ? {} : { firstError: failed[0].error }),
  };
}

/** For a CLI or a log to show a cycle as it goes. */
export type ProgressEvent =
  | { type: "stream.started"; stream: StreamName; projectSlug?: string }
  /** `covered`: how much of this cycle's window the project's walk has read, from 0 to 1 (see `windowCoverage`). */
  | { type: "page.fetched"; stream: StreamName; projectSlug?: string; items: number; covered: number }
  | { type: "stream.done"; report: StreamReport }
  /** CircleCI asked the client to slow down since the previous event: `waits` more pauses, `waitedMs` more ms paused. */
  | { type: "rate-limit.wait"; waits: number; waitedMs: number };

/** Counts one stream's work for one project while the cycle runs. */
export interface StreamTally {
  records: number;
  pages: number;
  notFound: number;
  rejected: number;
  lastRejection?: string;
}

export type TreeStream = "pipelines" | "workflows" | "workflow_jobs" | "job_details" | "tests";

/** The streams that run together in a project's pipeline walk, in the order they are reported. */
export const TREE_STREAMS: readonly TreeStream[] = ["pipelines", "workflows", "workflow_jobs", "job_details", "tests"];

export type TreeTallies = Record<TreeStream, StreamTally>;

export function emptyTally(): StreamTally {
  return { records: 0, pages: 0, notFound: 0, rejected: 0 };
}

/** Counts a record the client left out on the stream it belongs to; `rejectInto(tally)` is a client's `onRejected`. */
export function rejectInto(tally: StreamTally): (rejection: RecordRejection) => void {
  return (rejection) => {
    tally.rejected += 1;
    tally.lastRejection = `${rejection.endpoint}: ${rejection.record}: ${rejection.issues}`;
  };
}

export function emptyTreeTallies(): TreeTallies {
  return { pipelines: emptyTally(), workflows: emptyTally(), workflow_jobs: emptyTally(), job_details: emptyTally(), tests: emptyTally() };
}

export function streamReport(
  stream: StreamName,
  projectSlug: string | undefined,
  tally: StreamTally,
  error?: string,
): StreamReport {
  return {
    stream,
    ...(projectSlug === undefined ? {} : { projectSlug }),
    records: tally.records,
    pages: tally.pages,
    ...(tally.notFound > 0 ? { notFound: tally.notFound } : {}),
    ...(tally.rejected > 0 ? { rejected: tally.rejected, lastRejection: tally.lastRejection } : {}),
    ...(error === undefined ? {} : { error }),
  };
}
