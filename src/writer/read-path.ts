/**
 * What the read path may store of what it fetched from CircleCI. The sync's commits put a pipeline's workflows and
 * a workflow's jobs in the store with it, so a stored pipeline means its workflow list is complete and a stored
 * workflow means its job list is; the loaders rely on that to tell "empty" from "not cached". The read path's
 * results keep the invariant by being stored as whole subtrees, and only when the sync will not store them itself:
 * - a subtree with live work is not stored: the sync tracks live work, and would not re-poll what it believes is
 *   already in the store;
 * - a subtree the sync will still read (created since its high-water mark, less its lookback) is not stored either:
 *   the sync announces the changes it finds against the store, so storing first would swallow subscribers'
 *   `pipeline.created` and status events.
 * What is left is history and projects the sync does not cover, which is what the read path is for. It is stored
 * only where the store holds nothing (insert if absent): it never replaces what the sync wrote.
 */
import type { Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import { storedForm } from "../store/codec.js";
import type { JobRecord, Store } from "../store/store.js";
import type { DocumentRef, StoreWrite } from "../store/writes.js";
import { isPipelineActive, isTerminalJobStatus } from "../sync/live.js";
import { pipelineCursorName } from "../sync/window.js";

export interface WorkflowWithJobs {
  workflow: Workflow;
  jobs: readonly WorkflowJob[];
}

export interface SubtreeWrite {
  /** Absent when a workflow is stored without its pipeline. */
  pipeline?: Pipeline;
  workflows: readonly WorkflowWithJobs[];
}

/** The subtree as the store will give it back (`storedForm`): the board entries built from it then match those built from the store. */
export function storedSubtree(subtree: SubtreeWrite): SubtreeWrite {
  const workflows = subtree.workflows.map(({ workflow, jobs }) => ({ workflow: storedForm("workflow", workflow), jobs: jobs.map((job) => storedForm("job", job)) }));
  return subtree.pipeline === undefined ? { workflows } : { pipeline: storedForm("pipeline", subtree.pipeline), workflows };
}

/**
 * Nothing in it can change any more. A pipeline without workflows is settled only once errored: until its config is
 * processed, a pipeline that will have workflows lists none yet.
 */
export function isSettled(subtree: SubtreeWrite): boolean {
  if (subtree.pipeline !== undefined && subtree.workflows.length === 0) return subtree.pipeline.state === "errored";
  return !isPipelineActive(subtree.workflows.map(({ workflow, jobs }) => ({ status: workflow.status, jobStatuses: jobs.map((job) => job.status) })));
}

/** A record is final once its job is terminal and its steps are read; earlier ones would go stale in the store. */
export function isFinal(record: JobRecord): boolean {
  return isTerminalJobStatus(record.details.status) && record.steps !== undefined;
}

/** A workflow is never older than its pipeline, so its own `created_at` places the pipeline too. */
export async function isLeftToSync(store: Pick<Store, "getCursors">, root: { project_slug: string; created_at: string }, syncLookbackMs: number): Promise<boolean> {
  const [highWaterMark] = await store.getCursors([pipelineCursorName(root.project_slug)]);
  // A project never synced gets a first backfill, which announces nothing: storing ahead of it loses no event.
  if (highWaterMark === undefined) return false;
  return Date.parse(root.created_at) >= Date.parse(highWaterMark) - syncLookbackMs;
}

/** The documents of a subtree, to read before inserting what the store lacks. */
export function subtreeRefs(subtree: SubtreeWrite, projectSlug: string): DocumentRef[] {
  return [
    ...(subtree.pipeline === undefined ? [] : [{ kind: "pipeline" as const, id: subtree.pipeline.id, projectSlug }]),
    ...subtree.workflows.flatMap(({ workflow, jobs }) => [
      { kind: "workflow" as const, id: workflow.id, projectSlug },
      ...jobs.map((job) => ({ kind: "job" as const, id: job.id, projectSlug })),
    ]),
  ];
}

/**
 * The inserts of what the store lacks (`texts`: the stored text of each of `subtreeRefs`, in order), children first:
 * a workflow the store lacks with its job list and the jobs it lacks, then the pipeline if the store lacks it. A
 * workflow the store holds is left as it is, jobs included.
 */
export function subtreeInserts(subtree: SubtreeWrite, projectSlug: string, texts: readonly (string | undefined)[]): StoreWrite[] {
  let next = 0;
  const absent = (): boolean => texts[next++] === undefined;
  const pipelineAbsent = subtree.pipeline !== undefined && absent();
  const workflows = subtree.workflows.flatMap(({ workflow, jobs }): StoreWrite[] => {
    const workflowAbsent = absent();
    const jobsAbsent = jobs.map(absent);
    if (!workflowAbsent) return [];
    return [
      ...jobs.flatMap((job, index): StoreWrite[] => (jobsAbsent[index] ? [{ kind: "job", projectSlug, job, condition: { absent: true } }] : [])),
      { kind: "jobList", projectSlug, workflowId: workflow.id, jobIds: jobs.map((job) => job.id) },
      { kind: "workflow", projectSlug, workflow, condition: { absent: true } },
    ];
  });
  const pipeline: StoreWrite[] =
    subtree.pipeline !== undefined && pipelineAbsent ? [{ kind: "pipeline", projectSlug, pipeline: subtree.pipeline, condition: { absent: true } }] : [];
  return [...workflows, ...pipeline];
}
