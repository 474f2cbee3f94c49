import { instantOf } from "../answers/run-order.js";
import type { InsightWindow, WorkflowRun } from "../answers/index.js";
import type { Pipeline, TestResult, WorkflowJob } from "../circleci/index.js";
import type { JobRecord } from "../store/store.js";
import { DEFAULT_SYNC_TESTS, wantsTestResults } from "../sync/job-records.js";
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
  /** With the test results of each failed build job (the flaky tests); the insights need none. */
  withFailedTests: boolean;
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
  const records = await jobRecordsOf(loaders, request.projectSlug, recordsToLoad(request, withJobs));
  const tests = request.withFailedTests ? await failedTestsOf(loaders, request.projectSlug, records) : new Map<number, TestResult[]>();
  return withJobs.map(({ pipeline, workflow, jobs }) => ({
    workflow,
    revision: pipeline.vcs?.revision ?? null,
    jobs: jobs.map((job) => {
      const number = job.job_number;
      return number == null ? { job } : { job, details: records.get(number)?.details, tests: tests.get(number) };
    }),
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

/**
 * The numbers of the build jobs whose records the answer needs: every one for the details, else only the failed
 * ones for their results (a job still live may have no record, and would be asked of CircleCI at every answer).
 */
function recordsToLoad(request: WorkflowRunsRequest, runs: readonly { jobs: readonly WorkflowJob[] }[]): number[] {
  const wanted = (job: WorkflowJob): boolean => request.withJobDetails || (request.withFailedTests && wantsTestResults(job.status, DEFAULT_SYNC_TESTS));
  return [...new Set(runs.flatMap(({ jobs }) => jobs.flatMap((job) => (job.job_number == null || !wanted(job) ? [] : [job.job_number]))))];
}

/** The records of these build jobs, by job number: one batch for all of them. */
async function jobRecordsOf(loaders: Loaders, projectSlug: string, numbers: readonly number[]): Promise<Map<number, JobRecord>> {
  if (numbers.length === 0) return new Map();
  const records = await loaders.jobRecord.loadMany(numbers.map((number) => ({ projectSlug, number })));
  return new Map(numbers.flatMap((number, index) => {
    const record = records[index];
    if (record instanceof Error) throw record;
    return record == null ? [] : [[number, record] as const];
  }));
}

/**
 * The results of the failed build jobs, by job number: those their records hold, and the rest in one batch through
 * the results loader (from CircleCI, once, where the sync has not stored them). Only failed runs can hold the
 * failures a flake is made of; the runs that passed after them count by their status alone.
 */
async function failedTestsOf(loaders: Loaders, projectSlug: string, records: ReadonlyMap<number, JobRecord>): Promise<Map<number, TestResult[]>> {
  const failed = [...records.values()].filter((record) => wantsTestResults(record.details.status, DEFAULT_SYNC_TESTS));
  const lacking = failed.filter((record) => record.tests === undefined).map((record) => record.number);
  const fetched = await loaders.testResults.loadMany(lacking.map((number) => ({ projectSlug, number })));
  const tests = new Map(failed.flatMap((record) => (record.tests === undefined ? [] : [[record.number, record.tests] as const])));
  lacking.forEach((number, index) => {
    const loaded = fetched[index];
    if (loaded instanceof Error) throw loaded;
    if (loaded !== undefined) tests.set(number, loaded);
  });
  return tests;
}

function settled<T>(value: T[] | Error | undefined): T[] {
  if (value instanceof Error) throw value;
  return value ?? [];
}
