/**
 * What the read path may write to the store. The sync writes children before parents, so a stored
 * pipeline means its workflow list is complete and a stored workflow means its job list is; the
 * loaders rely on that to tell "empty" from "not cached". Fallthrough results keep the invariant by
 * being written as whole subtrees, children first, and only once settled: a subtree with live work
 * stays in the L1, because the sync (which tracks live work and publishes its changes) must be the
 * one to see it move, and would not re-poll what it believes is already in the store.
 */
import type { Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import type { JobRecord, Store } from "../store/store.js";
import { isPipelineActive, isTerminalJobStatus } from "../sync/index.js";

export interface WorkflowWithJobs {
  workflow: Workflow;
  jobs: readonly WorkflowJob[];
}

export function isSettled(workflows: readonly WorkflowWithJobs[]): boolean {
  return !isPipelineActive(workflows.map(({ workflow, jobs }) => ({ status: workflow.status, jobStatuses: jobs.map((job) => job.status) })));
}

/** Writes the workflows with their jobs, then the pipeline if given; nothing unless all of it is settled. */
export async function writeSettledTree(store: Store, tree: { pipeline?: Pipeline; workflows: readonly WorkflowWithJobs[] }): Promise<boolean> {
  if (!isSettled(tree.workflows)) return false;
  if (tree.workflows.length > 0) {
    await store.putWorkflowJobs(new Map(tree.workflows.map(({ workflow, jobs }) => [workflow.id, jobs])));
    await store.putWorkflows(tree.workflows.map(({ workflow }) => workflow));
  }
  if (tree.pipeline !== undefined) await store.putPipelines([tree.pipeline]);
  return true;
}

/** A record is final once its job is terminal and its steps are read; earlier ones would go stale in the store. */
export async function writeFinalJobRecord(store: Store, record: JobRecord): Promise<boolean> {
  if (!isTerminalJobStatus(record.details.status) || record.steps === undefined) return false;
  await store.putJobRecords([record]);
  return true;
}
