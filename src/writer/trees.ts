/**
 * How the sync's fetch of a batch of a project's pipeline trees is stored: against what the store holds (read just
 * before), each document merged under the rule that nothing moves back, written only when that changes it and only
 * if the store still holds what was read; children before parents (job records, jobs, job lists, workflows,
 * pipelines, then the active set), with the change events of exactly what is written.
 */
import type { Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import { decodeDocument, storedForm } from "../store/codec.js";
import type { ChangeEvent } from "../store/events.js";
import type { ActivePipeline, JobRecord } from "../store/store.js";
import type { DocumentRef, StoreWrite, WriteCondition } from "../store/writes.js";
import { approvalsOfJobLists } from "./approvals.js";
import type { ApprovalChanges } from "./approvals.js";
import { jobChanges, pipelineChanges, sameDocument, workflowChanges } from "./changes.js";
import type { JobRevision, Revision } from "./changes.js";
import { laterJob, laterJobRecord, laterWorkflow } from "./progress.js";

/** What the sync fetched for a batch of one project's pipelines. */
export interface FetchedTrees {
  projectSlug: string;
  pipelines: readonly Pipeline[];
  /** The workflows of those pipelines. */
  workflows: readonly Workflow[];
  /** The job lists read this cycle, by workflow id (a terminal workflow that did not change is not re-read). */
  jobLists: ReadonlyMap<string, readonly WorkflowJob[]>;
  jobRecords: readonly JobRecord[];
  /** How the active set changes with them. */
  active: { add: readonly ActivePipeline[]; remove: readonly string[] };
  /** False while the project's first backfill runs: learning history is not news, so nothing is announced. */
  announce: boolean;
}

/** Documents the commit wrote because they were new or changed. */
export interface TreeCounts {
  pipelines: number;
  workflows: number;
  jobs: number;
  jobRecords: number;
  /** Job records written with test results they did not hold before. */
  tests: number;
}

/** A job as listed under one workflow: a rerun carries a job into a later workflow, so one job may be listed twice. */
interface Listed {
  job: WorkflowJob;
  workflowId: string;
}

/** The documents the commit is conditioned on, in the order `treeWrites` expects their texts. */
export function treeRefs(trees: FetchedTrees): DocumentRef[] {
  const { projectSlug } = trees;
  return [
    ...trees.jobRecords.map((record) => ({ kind: "jobRecord" as const, projectSlug, number: record.number })),
    ...uniqueJobs(listedJobs(trees)).map((job) => ({ kind: "job" as const, id: job.id, projectSlug })),
    ...trees.workflows.map((workflow) => ({ kind: "workflow" as const, id: workflow.id, projectSlug })),
    ...trees.pipelines.map((pipeline) => ({ kind: "pipeline" as const, id: pipeline.id, projectSlug })),
  ];
}

/** How a commit of trees is written, and what the indexes need of it. */
export interface TreeWrites {
  writes: StoreWrite[];
  events: ChangeEvent[];
  counts: TreeCounts;
  /** The workflows written (new or changed), as written. */
  writtenWorkflows: Workflow[];
  /** The batch's pipelines as written, by id, whether they changed or not. */
  pipelines: Map<string, Pipeline>;
  /** What the re-read job lists say of their approval jobs. */
  approvals: ApprovalChanges;
}

export function treeWrites(fetched: FetchedTrees, texts: readonly (string | undefined)[]): TreeWrites {
  const trees = storedTrees(fetched);
  const { projectSlug } = trees;
  const stored = new StoredTexts(texts);
  const listed = listedJobs(trees);
  const records = stored.revise(trees.jobRecords, laterJobRecord);
  const jobs = stored.revise(uniqueJobs(listed), laterJob);
  const workflows = stored.revise(trees.workflows, laterWorkflow);
  const pipelines = stored.revise(trees.pipelines, (_stored, fetched) => fetched);

  const byJobId = new Map<string, Revised<WorkflowJob>>(jobs.map((revision) => [revision.fetched.id, revision]));
  const jobRevisions = listed.map(({ job, workflowId }): JobRevision => ({ ...(byJobId.get(job.id) as Revision<WorkflowJob>), workflowId }));
  const writes: StoreWrite[] = [
    ...changed(records).map(({ fetched, condition }): StoreWrite => ({ kind: "jobRecord", record: fetched, condition })),
    ...changed(jobs).map(({ fetched, condition }): StoreWrite => ({ kind: "job", projectSlug, job: fetched, condition })),
    ...[...trees.jobLists].map(([workflowId, list]): StoreWrite => ({ kind: "jobList", projectSlug, workflowId, jobIds: list.map((job) => job.id) })),
    ...changed(workflows).map(({ fetched, condition }): StoreWrite => ({ kind: "workflow", projectSlug, workflow: fetched, condition })),
    ...changed(pipelines).map(({ fetched, condition }): StoreWrite => ({ kind: "pipeline", projectSlug, pipeline: fetched, condition })),
    ...(trees.active.add.length + trees.active.remove.length > 0 ? [{ kind: "active" as const, ...trees.active }] : []),
  ];
  const events = trees.announce
    ? [...jobChanges(projectSlug, jobRevisions), ...workflowChanges(projectSlug, changed(workflows)), ...pipelineChanges(projectSlug, changed(pipelines))]
    : [];
  const counts = {
    pipelines: changed(pipelines).length,
    workflows: changed(workflows).length,
    jobs: changed(jobs).length,
    jobRecords: changed(records).filter((revision) => !onlyGainedTests(revision)).length,
    tests: changed(records).filter(gainedTests).length,
  };
  const workflowsById = new Map(workflows.map(({ fetched }) => [fetched.id, fetched]));
  const lists = [...trees.jobLists].flatMap(([workflowId, list]) => {
    const workflow = workflowsById.get(workflowId);
    if (workflow === undefined) return [];
    const listed = list.map((job) => (byJobId.get(job.id) as Revised<WorkflowJob>).fetched);
    return [{ workflow, jobs: listed, storedStatus: (jobId: string) => byJobId.get(jobId)?.stored?.status }];
  });
  return {
    writes,
    events,
    counts,
    writtenWorkflows: changed(workflows).map(({ fetched }) => fetched),
    pipelines: new Map(pipelines.map(({ fetched }) => [fetched.id, fetched])),
    approvals: approvalsOfJobLists(trees.projectSlug, lists),
  };
}

/**
 * The fetched documents as the store will give them back (`storedForm`): compared with the stored ones, only what
 * the store keeps can differ, so a document is written, and announced, only when what the store keeps changed. The
 * board entries and events built from them carry the same form as those built from stored documents.
 */
function storedTrees(trees: FetchedTrees): FetchedTrees {
  return {
    ...trees,
    pipelines: trees.pipelines.map((pipeline) => storedForm("pipeline", pipeline)),
    workflows: trees.workflows.map((workflow) => storedForm("workflow", workflow)),
    jobLists: new Map([...trees.jobLists].map(([workflowId, jobs]) => [workflowId, jobs.map((job) => storedForm("job", job))])),
    jobRecords: trees.jobRecords.map((record) => storedForm("jobRecord", record)),
  };
}

function listedJobs(trees: FetchedTrees): Listed[] {
  return [...trees.jobLists].flatMap(([workflowId, jobs]) => jobs.map((job) => ({ job, workflowId })));
}

/** One document per job: the last listing wins, as it did when every list was written whole. */
function uniqueJobs(listed: readonly Listed[]): WorkflowJob[] {
  return [...new Map(listed.map(({ job }) => [job.id, job])).values()];
}

/** A fetched document against the stored one: what to write (the merge of both), on which condition. */
interface Revised<T> extends Revision<T> {
  condition: WriteCondition;
  changed: boolean;
}

/** The stored texts, consumed in the order of `treeRefs`. */
class StoredTexts {
  #next = 0;

  constructor(private readonly texts: readonly (string | undefined)[]) {}

  revise<T>(fetched: readonly T[], merge: (stored: T | undefined, fetched: T) => T): Revised<T>[] {
    return fetched.map((document) => {
      const text = this.texts[this.#next++];
      const stored = decodeDocument<T>(text);
      const merged = merge(stored, document);
      return { stored, fetched: merged, condition: text === undefined ? { absent: true } : { stored: text }, changed: !sameDocument(stored, merged) };
    });
  }
}

/** A record written with the results it lacked (the `tests` stream's records). */
function gainedTests({ stored, fetched }: Revision<JobRecord>): boolean {
  return fetched.tests !== undefined && stored?.tests === undefined;
}

/** A stored record whose only change is the results it gained: no record of the `job_details` stream. */
function onlyGainedTests(revision: Revision<JobRecord>): boolean {
  const { stored, fetched } = revision;
  return stored !== undefined && gainedTests(revision) && sameDocument({ ...stored, tests: fetched.tests }, fetched);
}

function changed<T>(revisions: readonly Revised<T>[]): Revised<T>[] {
  return revisions.filter((revision) => revision.changed);
}
