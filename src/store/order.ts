/**
 * The orders both stores return things in, in one place so that `MemoryStore` and `RedisStore` cannot
 * disagree. Indexed lists follow Redis sorted-set semantics (score, then member compared as bytes);
 * whole collections are sorted here after they are read.
 */
import type { Pipeline } from "../circleci/index.js";
import type { ActivePipeline, PendingApprovalRecord, StoredContext, StoredProject, StreamStatusRecord } from "./store.js";

export interface ScoredMember {
  member: string;
  score: number;
}

/** The score of a document in a sorted-set index: its timestamp as epoch milliseconds. */
export function timestampScore(timestamp: string): number {
  const score = Date.parse(timestamp);
  if (Number.isNaN(score)) throw new TypeError(`not a timestamp: ${JSON.stringify(timestamp)}`);
  return score;
}

/** The branch index a pipeline belongs to; tag pipelines and pipelines without `vcs` have none. */
export function pipelineBranch(pipeline: Pipeline): string | undefined {
  return pipeline.vcs?.branch ?? undefined;
}

/** Redis' order of strings (memcmp of the UTF-8 bytes), which differs from `<` on astral characters. */
export function compareBytes(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Redis' `ZRANGE` order: score ascending, ties by member bytes ascending. `ZREVRANGE` is its exact reverse. */
export function compareScored(a: ScoredMember, b: ScoredMember): number {
  return a.score - b.score || compareBytes(a.member, b.member);
}

/** `first` of a pipeline page: a non-negative integer (0 asks only whether anything follows `after`). */
export function assertPageSize(first: number): void {
  if (!Number.isSafeInteger(first) || first < 0) {
    throw new RangeError(`first must be a non-negative integer, got ${first}`);
  }
}

export function sortProjects(projects: StoredProject[]): StoredProject[] {
  return projects.sort(byText((project) => project.slug));
}

export function sortContexts(contexts: StoredContext[]): StoredContext[] {
  return contexts.sort(byText((context) => context.name, (context) => context.id));
}

export function sortActivePipelines(pipelines: ActivePipeline[]): ActivePipeline[] {
  return pipelines.sort(byText((pipeline) => pipeline.projectSlug, (pipeline) => pipeline.id));
}

/** Oldest first: by when each went on hold (as an instant), then by job id. */
export function sortPendingApprovals(approvals: PendingApprovalRecord[]): PendingApprovalRecord[] {
  return approvals.sort((a, b) => timestampScore(a.waitingSince) - timestampScore(b.waitingSince) || compareBytes(a.jobId, b.jobId));
}

/** Stream, then project; the per-stream record without a project (contexts) comes first. */
export function sortStreamStatuses(statuses: StreamStatusRecord[]): StreamStatusRecord[] {
  return statuses.sort(byText((status) => status.stream, (status) => status.projectSlug));
}

function byText<T>(...fields: ((item: T) => string | undefined)[]): (a: T, b: T) => number {
  return (a, b) => {
    for (const field of fields) {
      const order = compareOptional(field(a), field(b));
      if (order !== 0) return order;
    }
    return 0;
  };
}

function compareOptional(a: string | undefined, b: string | undefined): number {
  if (a === undefined || b === undefined) return (a === undefined ? 0 : 1) - (b === undefined ? 0 : 1);
  return compareBytes(a, b);
}

/**
 * A page from the `first + 1` ids that follow the cursor: the extra id only tells whether more follow, so
 * `hasMore` is exact at the boundary without counting the rest.
 */
export function pageFromWindow(window: readonly string[], first: number): { ids: string[]; hasMore: boolean } {
  return { ids: window.slice(0, first), hasMore: window.length > first };
}

/** Project keys as the slot registry holds them (one per slot), each once, by key. */
export function projectKeysOf(registered: readonly string[]): string[] {
  return [...new Set(registered)].sort(compareBytes);
}
