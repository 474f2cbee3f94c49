/**
 * Job details (v2) and steps (v1.1) of numbered build jobs: which records are stale, and fetching
 * them. Approval jobs and jobs without a number have no details (CircleCI answers 404, API.md §7.6).
 */
import type { CircleCIClient, WorkflowJob } from "../circleci/index.js";
import type { JobKey, JobRecord } from "../store/store.js";
import { isTerminalJobStatus } from "./live.js";
import { mapConcurrent } from "./map-concurrent.js";
import { unlessNotFound } from "./not-found.js";

/** A job as one workflow lists it. */
export interface JobSighting {
  job: WorkflowJob;
  workflowId: string;
  /** The workflow was not in the store before this cycle (a rerun may have carried the job into it). */
  workflowIsNew: boolean;
  /**
   * Seen in the store, not re-read from CircleCI (its workflow ended and did not change): another writer may have
   * moved the job on since its record was read. A job without a record is left so: it has none, or it would have
   * got one when it was read.
   */
  inStore?: boolean;
}

type NumberedBuildJob = WorkflowJob & { job_number: number };

export function hasJobRecord(job: WorkflowJob): job is NumberedBuildJob {
  return job.type === "build" && job.job_number != null;
}

/**
 * A record is fetched when first seen, again when the job's status moved since, and again when a
 * rerun carried the job into a new workflow (its `latest_workflow` moved while its status did not).
 */
export function isRecordStale(record: JobRecord | undefined, sighting: JobSighting): boolean {
  if (record === undefined) return sighting.inStore !== true;
  if (record.details.status !== sighting.job.status) return true;
  return sighting.workflowIsNew && record.details.latest_workflow.id !== sighting.workflowId;
}

export interface JobRecordFetch {
  records: JobRecord[];
  /** Reads sent: details, plus steps for terminal jobs. */
  reads: number;
  notFound: number;
}

/** Reads the stored records of the sighted jobs (one store call) and fetches the stale ones. */
export async function fetchStaleJobRecords(
  client: CircleCIClient,
  stored: (keys: readonly JobKey[]) => Promise<(JobRecord | undefined)[]>,
  projectSlug: string,
  sightings: readonly JobSighting[],
  concurrency: number,
): Promise<JobRecordFetch> {
  const byNumber = new Map<number, { job: NumberedBuildJob; sightings: JobSighting[] }>();
  for (const sighting of sightings) {
    const { job } = sighting;
    if (!hasJobRecord(job)) continue;
    const entry = byNumber.get(job.job_number) ?? { job, sightings: [] };
    entry.sightings.push(sighting);
    byNumber.set(job.job_number, entry);
  }
  const candidates = [...byNumber.values()];
  const records = await stored(candidates.map(({ job }) => ({ projectSlug, number: job.job_number })));
  const stale = candidates.filter(({ sightings: seen }, index) => seen.some((sighting) => isRecordStale(records[index], sighting)));
  const outcomes = await mapConcurrent(stale, concurrency, ({ job }) => fetchJobRecord(client, projectSlug, job));
  return {
    records: outcomes.flatMap((outcome) => (outcome.record === undefined ? [] : [outcome.record])),
    reads: sum(outcomes.map((outcome) => outcome.reads)),
    notFound: sum(outcomes.map((outcome) => outcome.notFound)),
  };
}

interface JobRecordOutcome {
  record: JobRecord | undefined;
  reads: number;
  notFound: number;
}

/** A 404 (the job gone, or hidden from the token) is counted and skipped, never fatal. */
async function fetchJobRecord(client: CircleCIClient, projectSlug: string, job: NumberedBuildJob): Promise<JobRecordOutcome> {
  const details = await unlessNotFound(client.getJobDetails(projectSlug, job.job_number));
  if (details === undefined) return { record: undefined, reads: 1, notFound: 1 };
  const record: JobRecord = { projectSlug, number: job.job_number, details };
  // Steps are final only once the job is; before that they would be re-read at every move.
  if (!isTerminalJobStatus(details.status)) return { record, reads: 1, notFound: 0 };
  const build = await unlessNotFound(client.getJobSteps(projectSlug, job.job_number));
  if (build === undefined) return { record, reads: 2, notFound: 1 };
  return { record: { ...record, steps: build.steps }, reads: 2, notFound: 0 };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
