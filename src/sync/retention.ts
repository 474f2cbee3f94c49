/**
 * Retention: each cycle, a project's finished pipelines created before the window (`SYNC_RETENTION_DAYS` before now)
 * leave the store with everything under them. They are read oldest first by score in bounded chunks, so the work
 * follows what is removed, never the history kept. Live work stays whatever its age: a pipeline in the active set,
 * one with a workflow or job that can still move, or one with an approval on hold.
 */
import type { ActivePipeline, Store, StoredPipelineTree } from "../store/store.js";
import type { SyncWriter } from "../writer/index.js";
import { isPipelineActive } from "./live.js";

/** Pipelines read (and removed) per round trip and write. */
export const RETENTION_CHUNK = 100;

export interface RetentionOptions {
  store: Pick<Store, "listPipelineTreesBefore" | "getPendingApprovals">;
  writer: Pick<SyncWriter, "removePipelineTrees">;
  projectSlug: string;
  /** Epoch ms: pipelines created before it are removed (`retentionCutoff`). */
  cutoff: number;
  /** The active set as read after this cycle's pipelines stream. */
  active: readonly ActivePipeline[];
  chunk?: number;
  checkpoint(): void;
}

/** Removes the project's expired finished pipelines; answers how many. */
export async function removeExpiredPipelines(options: RetentionOptions): Promise<number> {
  const { store, writer, projectSlug, cutoff } = options;
  const chunk = options.chunk ?? RETENTION_CHUNK;
  const [approvals = []] = await store.getPendingApprovals([projectSlug]);
  const held = new Set([...options.active.map(({ id }) => id), ...approvals.map(({ pipelineId }) => pipelineId)]);
  let kept = 0;
  let removed = 0;
  for (;;) {
    options.checkpoint();
    const trees = await store.listPipelineTreesBefore(projectSlug, { before: cutoff, skip: kept, first: chunk });
    const { expired, live } = splitExpired(trees, held);
    if (expired.length > 0) await writer.removePipelineTrees(projectSlug, expired);
    removed += expired.length;
    // What stays keeps its place at the front of the range: the next chunk starts after it.
    kept += live;
    if (trees.length < chunk) return removed;
  }
}

/** A chunk split into the trees to remove and the number kept because they hold live work. */
export function splitExpired(trees: readonly StoredPipelineTree[], held: ReadonlySet<string>): { expired: StoredPipelineTree[]; live: number } {
  const expired = trees.filter((tree) => !held.has(tree.id) && !hasLiveWork(tree));
  return { expired, live: trees.length - expired.length };
}

/**
 * Whether anything in the tree can still move. The tree does not say which workflow lists which job, and need not:
 * while any workflow is live the tree is, and once none is, a job can move unless it is terminal or blocked.
 */
function hasLiveWork(tree: StoredPipelineTree): boolean {
  const jobStatuses = tree.jobs.map(({ status }) => status);
  return isPipelineActive(tree.workflows.map(({ status }) => ({ status, jobStatuses })));
}
