/**
 * One batch of a project's pipelines, with everything under them: workflows, workflow jobs and job
 * records. Fetches concurrently, reads what the store holds in a few batch calls, then writes
 * children before parents (job records, workflow jobs, workflows, pipelines, the active set) so a
 * parent in the store always implies its children were written, and announces each write's changes.
 */
import type { CircleCIClient, Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import type { ChangeEvent } from "../store/events.js";
import type { ActivePipeline, Store } from "../store/store.js";
import { jobChanges, pipelineChanges, sameDocument, workflowChanges } from "./changes.js";
import type { JobRevision, Revision } from "./changes.js";
import { fetchStaleJobRecords } from "./job-records.js";
import type { JobSighting } from "./job-records.js";
import { isLiveWorkflowStatus, isPipelineActive } from "./live.js";
import { collect, mapConcurrent } from "./map-concurrent.js";
import { rejectInto } from "./report.js";
import type { TreeTallies } from "./report.js";

export interface TreeSyncContext {
  client: CircleCIClient;
  store: Store;
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
   * are polled and their records checked, not only those of new, changed or live workflows.
   */
  backfilling: boolean;
  /**
   * Makes one write and announces its changes through the store's outbox (`writeAndPublish`), so a crash between
   * the two cannot lose them; while the project's first backfill runs, only writes.
   */
  commit(events: readonly ChangeEvent[], write: () => Promise<void>): Promise<void>;
  /** Throws once the cycle must stop; called before the first write of a batch. */
  checkpoint(): void;
}

interface WorkflowPoll {
  revision: Revision<Workflow>;
  /** Undefined when the workflow is terminal and unchanged: its jobs were final when they were written. */
  jobs: WorkflowJob[] | undefined;
}

export async function syncPipelineTrees(pipelines: readonly Pipeline[], context: TreeSyncContext): Promise<void> {
  if (pipelines.length === 0) return;
  const { client, store, concurrency, tallies } = context;

  const [storedPipelines, workflowLists] = await Promise.all([
    store.getPipelines(pipelines.map((pipeline) => pipeline.id)),
    mapConcurrent(pipelines, concurrency, (pipeline) => collect(client.listWorkflows(pipeline.id, { onRejected: rejectInto(tallies.workflows) }))),
  ]);
  tallies.workflows.pages += pipelines.length;
  const workflowRevisions = await revisionsOf(workflowLists.flat(), (ids) => store.getWorkflows(ids));
  const polls = await pollJobs(workflowRevisions, context);
  const jobRevisions = await jobRevisionsOf(polls, (ids) => store.getJobs(ids));
  const jobRecords = await fetchStaleJobRecords({ ...context, tally: tallies.job_details }, (keys) => store.getJobRecords(keys), sightingsOf(polls));
  tallies.job_details.pages += jobRecords.reads;

  context.checkpoint();
  if (jobRecords.records.length > 0) {
    await store.putJobRecords(jobRecords.records);
    tallies.job_details.records += jobRecords.records.length;
  }
  await writeWorkflowJobs(polls, jobRevisions, context);
  await writeChanged(workflowRevisions, (changed) => store.putWorkflows(changed), context, {
    stream: "workflows",
    events: (changed) => workflowChanges(context.projectSlug, changed),
  });
  const pipelineRevisions = pipelines.map((fetched, index) => ({ stored: storedPipelines[index], fetched }));
  await writeChanged(pipelineRevisions, (changed) => store.putPipelines(changed), context, {
    stream: "pipelines",
    events: (changed) => pipelineChanges(context.projectSlug, changed),
  });
  await updateActiveSet(pipelines, polls, context);
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
function needsJobs({ stored, fetched }: Revision<Workflow>): boolean {
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

async function pollJobs(revisions: readonly Revision<Workflow>[], context: TreeSyncContext): Promise<WorkflowPoll[]> {
  const polled = context.backfilling ? revisions : revisions.filter(needsJobs);
  const onRejected = rejectInto(context.tallies.workflow_jobs);
  const lists = await mapConcurrent(polled, context.concurrency, ({ fetched }) => collect(context.client.listWorkflowJobs(fetched.id, { onRejected })));
  context.tallies.workflow_jobs.pages += polled.length;
  const jobsById = new Map(polled.map(({ fetched }, index) => [fetched.id, lists[index]]));
  return revisions.map((revision) => ({ revision, jobs: jobsById.get(revision.fetched.id) }));
}

async function jobRevisionsOf(
  polls: readonly WorkflowPoll[],
  read: (ids: readonly string[]) => Promise<(WorkflowJob | undefined)[]>,
): Promise<JobRevision[]> {
  const listed = polls.flatMap(({ revision, jobs }) => (jobs ?? []).map((job) => ({ job, workflowId: revision.fetched.id })));
  if (listed.length === 0) return [];
  const ids = [...new Set(listed.map(({ job }) => job.id))];
  const stored = await read(ids);
  const storedById = new Map(ids.map((id, index) => [id, stored[index]]));
  return listed.map(({ job, workflowId }) => ({ stored: storedById.get(job.id), fetched: job, workflowId }));
}

function sightingsOf(polls: readonly WorkflowPoll[]): JobSighting[] {
  return polls.flatMap(({ revision, jobs }) =>
    (jobs ?? []).map((job) => ({ job, workflowId: revision.fetched.id, workflowIsNew: revision.stored === undefined })),
  );
}

/**
 * Every polled workflow's list is written, changed or not: the store replaces a workflow's list as
 * a whole, and a live workflow's list is what is polled to change. Records count changed jobs.
 */
async function writeWorkflowJobs(polls: readonly WorkflowPoll[], revisions: readonly JobRevision[], context: TreeSyncContext): Promise<void> {
  const lists = new Map(polls.flatMap(({ revision, jobs }) => (jobs === undefined ? [] : [[revision.fetched.id, jobs] as const])));
  if (lists.size === 0) return;
  await context.commit(jobChanges(context.projectSlug, revisions), () => context.store.putWorkflowJobs(lists));
  const changed = new Set(revisions.filter(({ stored, fetched }) => !sameDocument(stored, fetched)).map(({ fetched }) => fetched.id));
  context.tallies.workflow_jobs.records += changed.size;
}

async function writeChanged<T>(
  revisions: readonly Revision<T>[],
  write: (changed: T[]) => Promise<void>,
  context: TreeSyncContext,
  how: { stream: "workflows" | "pipelines"; events: (changed: Revision<T>[]) => ChangeEvent[] },
): Promise<void> {
  const changed = revisions.filter(({ stored, fetched }) => !sameDocument(stored, fetched));
  if (changed.length === 0) return;
  await context.commit(how.events(changed), () => write(changed.map(({ fetched }) => fetched)));
  context.tallies[how.stream].records += changed.length;
}

/**
 * A pipeline joins the active set while it has live work and leaves it once all is terminal. One
 * with no workflow yet stays out: it is re-read only while inside the overlap window.
 */
async function updateActiveSet(pipelines: readonly Pipeline[], polls: readonly WorkflowPoll[], context: TreeSyncContext): Promise<void> {
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
    const active = isPipelineActive(progress);
    if (active && !context.activeIds.has(pipeline.id)) add.push({ id: pipeline.id, projectSlug: context.projectSlug });
    if (!active && context.activeIds.has(pipeline.id)) remove.push(pipeline.id);
  }
  if (add.length === 0 && remove.length === 0) return;
  await context.store.setActivePipelines({ add, remove });
  for (const { id } of add) context.activeIds.add(id);
  for (const id of remove) context.activeIds.delete(id);
}
