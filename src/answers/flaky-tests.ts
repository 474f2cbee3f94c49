import type { TestResult } from "../circleci/index.js";
import { compareNames } from "./by-name.js";
import { compareRunKeys, instantOf } from "./run-order.js";
import { distinctJobRuns } from "./runs.js";
import type { JobAttempt, JobRun, WorkflowRun } from "./runs.js";
import { isInWindow } from "./window.js";
import type { InsightWindow } from "./window.js";

export interface FlakyTestsInput {
  window: InsightWindow;
  /** Runs of one project, every one the store holds: the rerun that passed may lie after the window. */
  runs: readonly WorkflowRun[];
}

export interface FlakyTest {
  name: string;
  classname: string;
  file: string;
  jobName: string;
  workflowName: string;
  /** Failures in the window that a later run of the job on the same revision passed. */
  flakes: number;
  /** When the job of the newest of those failures stopped. */
  lastFlakedAt: string;
}

/** The results that mean a test failed; CircleCI reports `failure`, and `error` for a test that could not run. */
const FAILED_RESULTS: ReadonlySet<string> = new Set(["failure", "error"]);

/**
 * Tests that failed in a job when a later run of the same job name, in the same workflow name and on the
 * same revision, succeeded (a rerun that passed): each such failure whose job stopped in the window is a
 * flake. Most flakes first.
 */
export function flakyTestsOf(input: FlakyTestsInput): FlakyTest[] {
  const attempts = attemptsByJob(input.runs);
  const flaky = new Map<string, FlakyTest>();
  for (const sameJob of attempts.values()) {
    for (const attempt of sameJob) {
      const failed = failedTestsOf(attempt.jobRun);
      if (failed.length === 0) continue;
      const flakedAt = attempt.jobRun.job.stopped_at ?? attempt.run.workflow.created_at;
      if (!isInWindow(input.window, instantOf(flakedAt))) continue;
      const passedLater = sameJob.some(
        (other) => other.jobRun.job.status === "success" && compareRunKeys(other.key, attempt.key) > 0,
      );
      if (passedLater) for (const test of failed) countFlake(flaky, attempt, test, flakedAt);
    }
  }
  return [...flaky.values()].sort(
    (a, b) =>
      b.flakes - a.flakes ||
      instantOf(b.lastFlakedAt) - instantOf(a.lastFlakedAt) ||
      compareNames(a.workflowName, b.workflowName) ||
      compareNames(a.jobName, b.jobName) ||
      compareNames(a.classname, b.classname) ||
      compareNames(a.name, b.name),
  );
}

/** Each run of a job, grouped by workflow name, job name and revision, oldest first. */
function attemptsByJob(runs: readonly WorkflowRun[]): Map<string, JobAttempt[]> {
  const groups = new Map<string, JobAttempt[]>();
  for (const attempt of distinctJobRuns(runs)) {
    if (attempt.run.revision === null) continue;
    const group = JSON.stringify([attempt.run.workflow.name, attempt.jobRun.job.name, attempt.run.revision]);
    const attempts = groups.get(group) ?? [];
    attempts.push(attempt);
    groups.set(group, attempts);
  }
  return groups;
}

/** A test as CircleCI identifies it within a job. */
function testId(test: TestResult): string {
  return JSON.stringify([test.classname, test.file, test.name]);
}

/** The tests that failed in a job, once each even when its report lists one twice. */
function failedTestsOf(jobRun: JobRun): TestResult[] {
  const failed = new Map<string, TestResult>();
  for (const test of jobRun.tests ?? []) if (FAILED_RESULTS.has(test.result)) failed.set(testId(test), test);
  return [...failed.values()];
}

function countFlake(flaky: Map<string, FlakyTest>, attempt: JobAttempt, test: TestResult, flakedAt: string): void {
  const workflowName = attempt.run.workflow.name;
  const jobName = attempt.jobRun.job.name;
  const id = JSON.stringify([workflowName, jobName, testId(test)]);
  const known = flaky.get(id);
  if (known === undefined) {
    flaky.set(id, { name: test.name, classname: test.classname, file: test.file, jobName, workflowName, flakes: 1, lastFlakedAt: flakedAt });
    return;
  }
  known.flakes += 1;
  if (instantOf(flakedAt) > instantOf(known.lastFlakedAt)) known.lastFlakedAt = flakedAt;
}
