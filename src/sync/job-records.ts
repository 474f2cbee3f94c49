/**
 * Job details (v2), steps (v1.1) and test results of numbered build jobs: which records are stale or lack the
 * results they should hold, and fetching them. Approval jobs and jobs without a number have neither details nor
 * results (CircleCI answers 404).
 */
import type { CircleCIClient, JobSteps, Step, TestResult, WorkflowJob } from "../circleci/index.js";
import type { JobKey, JobRecord } from "../store/store.js";
import { sameProgress } from "../writer/progress.js";
import { isTerminalJobStatus } from "./live.js";
import { collect, mapConcurrent } from "./map-concurrent.js";
import { readOne } from "./read-one.js";
import { rejectInto } from "./report.js";
import type { StreamTally } from "./report.js";

/** Which finished build jobs the `tests` stream reads the results of (`SYNC_TESTS`). */
export const SYNC_TESTS_MODES = ["failed", "all"] as const;
export type SyncTestsMode = (typeof SYNC_TESTS_MODES)[number];
export const DEFAULT_SYNC_TESTS: SyncTestsMode = "failed";

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
  /** Records to write: those fetched anew, and stored ones that gained their test results. */
  records: JobRecord[];
  /** Reads sent: details, plus steps for terminal jobs. */
  reads: number;
  /** Test result lists read (each one paged by the client). */
  testLists: number;
}

/** Where job records come from: the project (its key, and its slug as configured, for CircleCI) and its streams' tallies. */
export interface JobRecordSource {
  client: CircleCIClient;
  /** The project's key (`projectKey`): what records are stored under. */
  projectSlug: string;
  /** The project's slug as configured: what CircleCI is asked with. */
  upstreamSlug: string;
  concurrency: number;
  /** Counts records CircleCI answered 404 for, and records it sent that do not fit their schema. */
  tally: StreamTally;
  /** The same, for test results. */
  testsTally: StreamTally;
  syncTests: SyncTestsMode;
}

/** The steps a v1.1 build lists; a build whose answer lists none has none. */
export function buildSteps(build: JobSteps): Step[] {
  return build.steps ?? [];
}

/** Whether a job in this status has results worth reading: once it finished, and by default only when it failed. */
export function wantsTestResults(status: string, mode: SyncTestsMode): boolean {
  return isTerminalJobStatus(status) && (mode === "all" || status === "failed");
}

/**
 * Whether `current` (the record to be written) lacks results it should hold. Results already stored for the same
 * run are carried over by the writer, so they are never fetched twice.
 */
function lacksTestResults(current: JobRecord, stored: JobRecord | undefined, mode: SyncTestsMode): boolean {
  if (current.tests !== undefined || !wantsTestResults(current.details.status, mode)) return false;
  return stored?.tests === undefined || !sameProgress(stored.details, current.details);
}

/**
 * Reads the stored records of the sighted jobs (one store call), fetches the stale ones, and the results of every
 * finished build job whose record lacks them (`syncTests`): one paged list per job, once.
 */
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
  const work = candidates.flatMap(({ job, sightings: seen }, index) => {
    const record = records[index];
    const stale = seen.some((sighting) => isRecordStale(record, sighting));
    return stale || (record !== undefined && lacksTestResults(record, record, source.syncTests)) ? [{ job, record, stale }] : [];
  });
  const outcomes = await mapConcurrent(work, source.concurrency, async ({ job, record, stale }) => {
    const fetched = stale ? await fetchJobRecord(source, job) : { record, reads: 0 };
    return withTestResults(source, fetched, record);
  });
  return {
    records: outcomes.flatMap((outcome) => (outcome.record === undefined ? [] : [outcome.record])),
    reads: sum(outcomes.map((outcome) => outcome.reads)),
    testLists: sum(outcomes.map((outcome) => outcome.testLists)),
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

/**
 * The outcome with the job's results when its record lacks them. A result that does not fit its schema is left out
 * (counted on the `tests` tally) and the rest are kept; a 404 leaves the record without results, to be asked again
 * the next time the job is seen. An unchanged record that gained nothing is not written.
 */
async function withTestResults(source: JobRecordSource, fetched: JobRecordOutcome, stored: JobRecord | undefined): Promise<JobRecordOutcome & { testLists: number }> {
  const { record } = fetched;
  if (record === undefined || !lacksTestResults(record, stored, source.syncTests)) {
    return { ...fetched, record: record === stored ? undefined : record, testLists: 0 };
  }
  const tests = await fetchTestResults(source, record.number);
  const unchanged = record === stored && tests === undefined;
  return { record: unchanged ? undefined : tests === undefined ? record : { ...record, tests }, reads: fetched.reads, testLists: 1 };
}

/** The job's results, every page; undefined when CircleCI could not give them (404, or a page that does not fit). */
export async function fetchTestResults(source: Pick<JobRecordSource, "client" | "upstreamSlug" | "testsTally">, number: number): Promise<TestResult[] | undefined> {
  const { client, upstreamSlug, testsTally } = source;
  const list = await readOne(collect(client.listTestResults(upstreamSlug, number, { onRejected: rejectInto(testsTally) })), testsTally);
  return "found" in list ? list.found : undefined;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
