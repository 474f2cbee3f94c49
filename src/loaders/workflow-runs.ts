import { instantOf } from "../answers/run-order.js";
import type { InsightWindow, WorkflowRun } from "../answers/index.js";
import type { JobDetails, Pipeline, WorkflowJob } from "../circleci/index.js";
import type { Loaders } from "./loaders.js";

/** The largest page the listing serves: the fewest reads per window. */
const PAGE_SIZE = 100;
/**
 * The listing is bounded at the window's start rounded down to the hour: a default window ("the 30 days before now")
 * starts at another instant on every request, and a bound that moved with it would make every listing a new one,
 * never served from the L1. An hour more of pipelines is read than the window needs, never all history.
 */
const LISTING_BOUND_MS = 3_600_000;

export interface WorkflowRunsRequest {
  projectSlug: string;
  /** Only this branch's pipelines; every branch when null. */
  branch: string | null;
  window: InsightWindow;
  /** With each build job's details (for queue times); the workflow answers need none. */
  withJobDetails: boolean;
}

/**
 * The runs an insight window covers: the workflows of the project's pipelines created before the window's end and
 * not before its start, with their jobs. Pipelines are paged newest first down to the window's start (the listing
 * itself stops there, so no pipeline before it is even read): the work grows with the pipelines created since the
 * window's start, never with all history. A workflow is never created before its pipeline, so none created in the window is missed, except a rerun
 * started inside the window of a pipeline created before it (it counts from its pipeline's window).
 */
export async function loadWorkflowRuns(loaders: Loaders, request: WorkflowRunsRequest): Promise<WorkflowRun[]> {
  const pipelines = await pipelinesOfWindow(loaders, request);
  const workflowLists = await loaders.workflowsOfPipeline.loadMany(pipelines.map((pipeline) => pipeline.id));
  const runs = pipelines.flatMap((pipeline, index) =>
    settled(workflowLists[index]).map((workflow) => ({ pipeline, workflow })),
  );
  const jobLists = await loaders.jobsOfWorkflow.loadMany(runs.map(({ workflow }) => workflow.id));
  const withJobs = runs.map(({ pipeline, workflow }, index) => ({ pipeline, workflow, jobs: settled(jobLists[index]) }));
  const details = request.withJobDetails ? await jobDetailsOf(loaders, request.projectSlug, withJobs) : new Map<number, JobDetails>();
  return withJobs.map(({ pipeline, workflow, jobs }) => ({
    workflow,
    revision: pipeline.vcs?.revision ?? null,
    jobs: jobs.map((job) => ({ job, details: job.job_number == null ? undefined : details.get(job.job_number) })),
  }));
}

async function pipelinesOfWindow(loaders: Loaders, { projectSlug, branch, window }: WorkflowRunsRequest): Promise<Pipeline[]> {
  const found: Pipeline[] = [];
  const createdSince = new Date(Math.floor(window.start / LISTING_BOUND_MS) * LISTING_BOUND_MS).toISOString();
  let after: string | undefined;
  for (;;) {
    const page = await loaders.pipelinePage(projectSlug, { first: PAGE_SIZE, after, createdSince, ...(branch === null ? {} : { branch }) });
    for (const pipeline of page.pipelines) {
      const created = instantOf(pipeline.created_at);
      if (created >= window.start && created < window.end) found.push(pipeline);
    }
    if (!page.hasNextPage || page.endCursor === null) return found;
    after = page.endCursor;
  }
}

/** The details of every build job of the runs, by job number: one batch for all of them. */
async function jobDetailsOf(loaders: Loaders, projectSlug: string, runs: readonly { jobs: readonly WorkflowJob[] }[]): Promise<Map<number, JobDetails>> {
  const numbers = [...new Set(runs.flatMap(({ jobs }) => jobs.flatMap((job) => (job.job_number == null ? [] : [job.job_number]))))];
  const records = await loaders.jobRecord.loadMany(numbers.map((number) => ({ projectSlug, number })));
  return new Map(numbers.flatMap((number, index) => {
    const record = records[index];
    if (record instanceof Error) throw record;
    return record == null ? [] : [[number, record.details] as const];
  }));
}

function settled<T>(value: T[] | Error | undefined): T[] {
  if (value instanceof Error) throw value;
  return value ?? [];
}
