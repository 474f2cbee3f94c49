/**
 * What the read path may write to the store. The sync writes children before parents, so a stored
 * pipeline means its workflow list is complete and a stored workflow means its job list is; the
 * loaders rely on that to tell "empty" from "not cached". Fallthrough results keep the invariant by
 * being written as whole subtrees, children first, and only when the sync will not write them itself:
 * - a subtree with live work stays in the L1: the sync tracks live work, and would not re-poll what it
 *   believes is already in the store;
 * - a subtree the sync will still read (created since its high-water mark, less its lookback) stays in
 *   the L1 too: the sync publishes the changes it finds against the store, so writing first would
 *   swallow subscribers' `pipeline.created` and status events.
 * What is left is history and projects the sync does not cover, which is what the read path is for.
 */
import type { Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import type { JobRecord, Store } from "../store/store.js";
import { isPipelineActive, isTerminalJobStatus, pipelineCursorName } from "../sync/index.js";

export interface WorkflowWithJobs {
  workflow: Workflow;
  jobs: readonly WorkflowJob[];
}

export interface SubtreeWrite {
  /** Absent when a workflow is written without its pipeline. */
  pipeline?: Pipeline;
  workflows: readonly WorkflowWithJobs[];
}

/**
 * Nothing in it can change any more. A pipeline without workflows is settled only once errored: until its
 * config is processed, a pipeline that will have workflows lists none yet.
 */
function isSettled(subtree: SubtreeWrite): boolean {
  if (subtree.pipeline !== undefined && subtree.workflows.length === 0) return subtree.pipeline.state === "errored";
  return !isPipelineActive(
    subtree.workflows.map(({ workflow, jobs }) => ({ status: workflow.status, jobStatuses: jobs.map((job) => job.status) })),
  );
}

/**
 * Writes the workflows with their jobs, then the pipeline if given, when the subtree is settled and out
 * of the sync's reach; `syncLookbackMs` is the sync's overlap (`SYNC_LOOKBACK_HOURS`). Answers whether it wrote.
 */
export async function writeSubtree(store: Store, subtree: SubtreeWrite, syncLookbackMs: number): Promise<boolean> {
  const root = subtree.pipeline ?? subtree.workflows[0]?.workflow;
  if (root === undefined || !isSettled(subtree)) return false;
  if (await isLeftToSync(store, root, syncLookbackMs)) return false;
  if (subtree.workflows.length > 0) {
    await store.putWorkflowJobs(new Map(subtree.workflows.map(({ workflow, jobs }) => [workflow.id, jobs])));
    await store.putWorkflows(subtree.workflows.map(({ workflow }) => workflow));
  }
  if (subtree.pipeline !== undefined) await store.putPipelines([subtree.pipeline]);
  return true;
}

/** A workflow is never older than its pipeline, so its own `created_at` places the pipeline too. */
async function isLeftToSync(store: Store, root: { project_slug: string; created_at: string }, syncLookbackMs: number): Promise<boolean> {
  const [highWaterMark] = await store.getCursors([pipelineCursorName(root.project_slug)]);
  // A project never synced gets a first backfill, which publishes nothing: writing ahead of it loses no event.
  if (highWaterMark === undefined) return false;
  return Date.parse(root.created_at) >= Date.parse(highWaterMark) - syncLookbackMs;
}

/** A record is final once its job is terminal and its steps are read; earlier ones would go stale in the store. */
export async function writeFinalJobRecord(store: Store, record: JobRecord): Promise<boolean> {
  if (!isTerminalJobStatus(record.details.status) || record.steps === undefined) return false;
  await store.putJobRecords([record]);
  return true;
}
