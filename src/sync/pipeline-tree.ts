/**
 * One batch of a project's pipelines, with everything under them: workflows, workflow jobs and job
 * records. Fetches concurrently, reads what the store holds in a few batch calls to decide what to
 * fetch, then hands what it fetched to the writer, which commits it in one atomic write (children
 * before parents) with the change events of what it changed.
 */
import type { CircleCIClient, Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import type { ActivePipeline, Store } from "../store/store.js";
import type { Revision } from "../writer/changes.js";
import type { SyncWriter } from "../writer/index.js";
import { fetchStaleJobRecords } from "./job-records.js";
import type { JobSighting, SyncTestsMode } from "./job-records.js";
import { isJobInProgress, isLiveWorkflowStatus, isPipelineActive } from "./live.js";
import { collect, mapConcurrent } from "./map-concurrent.js";
import { rejectInto } from "./report.js";
import type { TreeTallies } from "./report.js";

export interface TreeSyncContext {
  client: CircleCIClient;
  store: Store;
  writer: SyncWriter;
  /** The project's key (`projectKey`): what its records are stored and announced under. */
  projectSlug: string;
  /** The project's slug as configured: what CircleCI is asked with (its routes are case-sensitive). */
  upstreamSlug: string;
  concurrency: number;
  tallies: TreeTallies;
  /** Ids of the pipelines in the active set; kept up to date by each batch. */
  activeIds: Set<string>;
  /**
   * The project's first backfill (no high-water mark: never synced, or Redis lost its data). Workflows already
   * stored then may come from the read path's write-back, which stores no job records, so every workflow's jobs
   * are polled and their records checked, not only those of new, changed or live workflows. Nothing is announced.
   */
  backfilling: boolean;
  /** Which finished build jobs get their test results read (`SYNC_TESTS`). */
  syncTests: SyncTestsMode;
  /** Throws once the cycle must stop; called before the write of a batch. */
  checkpoint(): void;
  /**
   * Pipelines that join the active set while they list no workflow: just triggered, their config not processed yet,
   * so their workflows are still to come. Default: none (a pipeline without workflows has nothing live).
   */
  awaitingWorkflows?: ReadonlySet<string>;
}

interface WorkflowPoll {
  revision: Revision<Workflow>;
  /** Undefined when the workflow is terminal and unchanged, and the store holds its jobs finished. */
  jobs: WorkflowJob[] | undefined;
  /** When `jobs` is undefined: the jobs the store holds for it. */
  storedJobs?: WorkflowJob[];
}

export async function syncPipelineTrees(pipelines: readonly Pipeline[], context: TreeSyncContext): Promise<void> {
  if (pipelines.length === 0) return;
  const { client, store, concurrency, tallies, projectSlug } = context;

  const onRejected = rejectInto(tallies.workflows);
  const workflowLists = await mapConcurrent(pipelines, concurrency, (pipeline) => collect(client.listWorkflows(pipeline.id, { onRejected })));
  tallies.workflows.pages += pipelines.length;
  const workflowRevisions = await revisionsOf(workflowLists.flat(), (ids) => store.getWorkflows(ids));
  const polls = await pollJobs(workflowRevisions, context);
  const source = { ...context, tally: tallies.job_details, testsTally: tallies.tests };
  const jobRecords = await fetchStaleJobRecords(source, (keys) => store.getJobRecords(keys), sightingsOf(polls));
  tallies.job_details.pages += jobRecords.reads;
  tallies.tests.pages += jobRecords.testLists;

  context.checkpoint();
  const active = activeSetChanges(pipelines, polls, context);
  const counts = await context.writer.commitPipelineTrees({
    projectSlug,
    pipelines,
    workflows: workflowRevisions.map(({ fetched }) => fetched),
    jobLists: new Map(polls.flatMap(({ revision, jobs }) => (jobs === undefined ? [] : [[revision.fetched.id, jobs] as const]))),
    jobRecords: jobRecords.records,
    active,
    announce: !context.backfilling,
  });
  tallies.job_details.records += counts.jobRecords;
  tallies.tests.records += counts.tests;
  tallies.workflow_jobs.records += counts.jobs;
  tallies.workflows.records += counts.workflows;
  tallies.pipelines.records += counts.pipelines;
  for (const { id } of active.add) context.activeIds.add(id);
  for (const id of active.remove) context.activeIds.delete(id);
}

async function revisionsOf<T extends { id: string }>(
  fetched: readonly T[],
  read: (ids: readonly string[]) => Promise<(T | undefined)[]>,
): Promise<Revision<T>[]> {
  if (fetched.length === 0) return [];
  const stored = await read(fetched.map((item) => item.id));
  return fetched.map((item, index) => ({ stored: stored[index], fetched: item }));
}

/** Jobs are read for every workflow that is new, changed (status or stop time), or still live. */
function changedOrLive({ stored, fetched }: Revision<Workflow>): boolean {
  return (
    stored === undefined ||
    stored.status !== fetched.status ||
    !sameInstant(stored.stopped_at, fetched.stopped_at) ||
    isLiveWorkflowStatus(fetched.status)
  );
}

function sameInstant(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null || b == null) return a == null && b == null;
  return Date.parse(a) === Date.parse(b);
}

/**
 * The jobs of every workflow that is new, changed or live are read. So are those of a terminal, unchanged one whose
 * jobs the store holds unfinished: another writer (a webhook, the read path) stored its end before the sync saw it.
 */
async function pollJobs(revisions: readonly Revision<Workflow>[], context: TreeSyncContext): Promise<WorkflowPoll[]> {
  const settled = context.backfilling ? [] : revisions.filter((revision) => !changedOrLive(revision));
  const storedLists = settled.length === 0 ? [] : await context.store.getJobsOf(settled.map(({ fetched }) => fetched.id));
  const stored = new Map(settled.map(({ fetched }, index) => [fetched.id, storedLists[index] ?? []]));
  const unfinished = ({ fetched }: Revision<Workflow>): boolean =>
    (stored.get(fetched.id) ?? []).some((job) => isJobInProgress(job.status, fetched.status));
  const polled = context.backfilling ? revisions : revisions.filter((revision) => changedOrLive(revision) || unfinished(revision));
  const onRejected = rejectInto(context.tallies.workflow_jobs);
  const lists = await mapConcurrent(polled, context.concurrency, ({ fetched }) => collect(context.client.listWorkflowJobs(fetched.id, { onRejected })));
  context.tallies.workflow_jobs.pages += polled.length;
  const jobsById = new Map(polled.map(({ fetched }, index) => [fetched.id, lists[index]]));
  return revisions.map((revision) => {
    const jobs = jobsById.get(revision.fetched.id);
    return { revision, jobs, ...(jobs === undefined ? { storedJobs: stored.get(revision.fetched.id) } : {}) };
  });
}

function sightingsOf(polls: readonly WorkflowPoll[]): JobSighting[] {
  return polls.flatMap(({ revision, jobs, storedJobs }) => [
    ...(jobs ?? []).map((job) => ({ job, workflowId: revision.fetched.id, workflowIsNew: revision.stored === undefined })),
    ...(storedJobs ?? []).map((job) => ({ job, workflowId: revision.fetched.id, workflowIsNew: false, inStore: true })),
  ]);
}

/**
 * A pipeline joins the active set while it has live work and leaves it once all is terminal. One
 * with no workflow yet stays out (it is re-read only while inside the overlap window), unless it is
 * known to be awaiting its workflows.
 */
function activeSetChanges(
  pipelines: readonly Pipeline[],
  polls: readonly WorkflowPoll[],
  context: TreeSyncContext,
): { add: ActivePipeline[]; remove: string[] } {
  const pollsByPipeline = new Map<string, WorkflowPoll[]>();
  for (const poll of polls) {
    const pipelineId = poll.revision.fetched.pipeline_id;
    pollsByPipeline.set(pipelineId, [...(pollsByPipeline.get(pipelineId) ?? []), poll]);
  }
  const add: ActivePipeline[] = [];
  const remove: string[] = [];
  for (const pipeline of pipelines) {
    const progress = (pollsByPipeline.get(pipeline.id) ?? []).map(({ revision, jobs }) => ({
      status: revision.fetched.status,
      jobStatuses: jobs?.map((job) => job.status),
    }));
    const active = isPipelineActive(progress) || (progress.length === 0 && context.awaitingWorkflows?.has(pipeline.id) === true);
    if (active && !context.activeIds.has(pipeline.id)) add.push({ id: pipeline.id, projectSlug: context.projectSlug });
    if (!active && context.activeIds.has(pipeline.id)) remove.push(pipeline.id);
  }
  return { add, remove };
}
