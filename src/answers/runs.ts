import type { JobDetails, TestResult, Workflow, WorkflowJob } from "../circleci/index.js";
import { compareRunKeys, runKeyOf } from "./run-order.js";
import type { RunKey } from "./run-order.js";

/**
 * A workflow run with what the store holds about its jobs: the input of the job and test answers. A job
 * carried over by a rerun appears under both workflows with the same id; it is one run of that job.
 */
export interface WorkflowRun {
  workflow: Workflow;
  /** The commit its pipeline ran (`vcs.revision`); null when CircleCI gave none. */
  revision: string | null;
  jobs: readonly JobRun[];
}

export interface JobRun {
  job: WorkflowJob;
  /** v2 job details, when stored (build jobs only). */
  details?: JobDetails | undefined;
  /** Its test results, when stored. */
  tests?: readonly TestResult[] | undefined;
}

/** One run of a job, with the workflow run it ran in. */
export interface JobAttempt {
  run: WorkflowRun;
  key: RunKey;
  jobRun: JobRun;
}

/** Every job run once, oldest workflow first: a job that a rerun carried over counts where it first ran. */
export function distinctJobRuns(runs: readonly WorkflowRun[]): JobAttempt[] {
  const keyed = runs.map((run) => ({ run, key: runKeyOf(run.workflow) })).sort((a, b) => compareRunKeys(a.key, b.key));
  const seen = new Set<string>();
  return keyed.flatMap(({ run, key }) =>
    run.jobs.flatMap((jobRun) => {
      if (seen.has(jobRun.job.id)) return [];
      seen.add(jobRun.job.id);
      return [{ run, key, jobRun }];
    }),
  );
}
