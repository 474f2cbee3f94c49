/**
 * Job details (v2) and steps (v1.1) of numbered build jobs: which records are stale, and fetching
 * them. Approval jobs and jobs without a number have no details (CircleCI answers 404, API.md §7.6).
 */
import type { CircleCIClient, JobSteps, Step, WorkflowJob } from "../circleci/index.js";
import type { JobKey, JobRecord } from "../store/store.js";
import { isTerminalJobStatus } from "./live.js";
import { mapConcurrent } from "./map-concurrent.js";
import { readOne } from "./read-one.js";
import type { StreamTally } from "./report.js";

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
}

/** Where job records come from: the project (its key, and its slug as configured, for CircleCI) and its stream's tally. */
export interface JobRecordSource {
  client: CircleCIClient;
  /** The project's key (`projectKey`): what records are stored under. */
  projectSlug: string;
  /** The project's slug as configured: what CircleCI is asked with. */
  upstreamSlug: string;
  concurrency: number;
  /** Counts records CircleCI answered 404 for, and records it sent that do not fit their schema. */
  tally: StreamTally;
}

/** The steps a v1.1 build lists; a build whose answer lists none has none. */
export function buildSteps(build: JobSteps): Step[] {
  return build.steps ?? [];
}

/** Reads the stored records of the sighted jobs (one store call) and fetches the stale ones. */
export async function fetchStaleJobRecords(
  source: JobRecordSource,
  stored: (keys: readonly JobKey[]) => Promise<(JobRecord | undefined)[]>,
  sightings: readonly JobSighting[],
): Promise<JobRecordFetch> {
  const { projectSlug } = source;
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
  const outcomes = await mapConcurrent(stale, source.concurrency, ({ job }) => fetchJobRecord(source, job));
  return {
    records: outcomes.flatMap((outcome) => (outcome.record === undefined ? [] : [outcome.record])),
    reads: sum(outcomes.map((outcome) => outcome.reads)),
  };
}

interface JobRecordOutcome {
  record: JobRecord | undefined;
  reads: number;
}

/**
 * A 404 (the job gone, or hidden from the token) and an answer that does not fit its schema are counted and
 * skipped, never fatal: details without them leave the record out, steps without them leave the details stored
 * alone. The record is read again when the job is seen to move.
 */
async function fetchJobRecord(source: JobRecordSource, job: NumberedBuildJob): Promise<JobRecordOutcome> {
  const { client, upstreamSlug, tally } = source;
  const details = await readOne(client.getJobDetails(upstreamSlug, job.job_number), tally);
  if (!("found" in details)) return { record: undefined, reads: 1 };
  const record: JobRecord = { projectSlug: source.projectSlug, number: job.job_number, details: details.found };
  // Steps are final only once the job is; before that they would be re-read at every move.
  if (!isTerminalJobStatus(details.found.status)) return { record, reads: 1 };
  const build = await readOne(client.getJobSteps(upstreamSlug, job.job_number), tally);
  return { record: "found" in build ? { ...record, steps: buildSteps(build.found) } : record, reads: 2 };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
