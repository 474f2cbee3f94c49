/**
 * The test results CircleCI stores for a build job (`GET /project/{slug}/{job-number}/tests`). They are a
 * pure function of the job, worked out when served rather than stored, so they cost the world nothing
 * and change nothing it draws:
 *
 * - each job name of a project has its own suite (the same tests in every run of it);
 * - a job that succeeded passed them all (a suite may skip one test);
 * - a job that failed failed one to three of them, which ones depending on the run;
 * - a job that stopped any other way, or has not stopped, stored no results.
 *
 * So a failed job whose rerun (a later run of the same job name on the same revision) succeeded holds
 * failures that the rerun passed: the flaky tests.
 */
import type { JobDetailWire } from "./model.js";
import { TEST_BEHAVIOURS, TEST_FAILURE_MESSAGES, TEST_RUNNERS, TEST_SUBJECTS } from "./names.js";
import { Random } from "./random.js";

/** One item of the list, as CircleCI's OpenAPI document gives it: every field required, only `message` nullable. */
export interface TestResultWire {
  message: string | null;
  source: string;
  /** Seconds. */
  run_time: number;
  file: string;
  result: "success" | "failure" | "skipped";
  name: string;
  classname: string;
}

interface SuiteTest {
  name: string;
  classname: string;
  file: string;
  skipped: boolean;
}

const MAX_FAILURES = 3;

/** The results of a job in a project, or none when it stored none. */
export function testResultsOf(projectSlug: string, job: Pick<JobDetailWire, "name" | "number" | "status">): TestResultWire[] {
  if (job.status !== "success" && job.status !== "failed") return [];
  const source = new Random(seedOf(projectSlug)).pick(TEST_RUNNERS);
  const suite = suiteOf(projectSlug, job.name);
  const run = new Random(seedOf(`${projectSlug}\u0000${job.number}`));
  const failing = new Set(job.status === "failed" ? run.sample(suite.filter((test) => !test.skipped), run.int(1, MAX_FAILURES)) : []);
  return suite.map((test): TestResultWire => {
    const result = test.skipped ? "skipped" : failing.has(test) ? "failure" : "success";
    return {
      message: result === "failure" ? run.pick(TEST_FAILURE_MESSAGES) : null,
      source,
      run_time: result === "skipped" ? 0 : run.int(1, 4000) / 1000,
      file: test.file,
      result,
      name: test.name,
      classname: test.classname,
    };
  });
}

/** The tests of a job name: 3 to 12, each (class name, name) pair once. */
function suiteOf(projectSlug: string, jobName: string): SuiteTest[] {
  const rng = new Random(seedOf(`${projectSlug}\u0000${jobName}`));
  const subjects = rng.sample(TEST_SUBJECTS, rng.int(1, 3));
  const behaviours = rng.sample(TEST_BEHAVIOURS, rng.int(3, 12));
  const skippedAt = rng.chance(0.3) ? rng.int(0, behaviours.length - 1) : -1;
  return behaviours.map((name, index) => {
    const classname = subjects[index % subjects.length] as string;
    return { name, classname, file: `test/${kebabCase(classname)}.test.ts`, skipped: index === skippedAt };
  });
}

function kebabCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** FNV-1a: a stable 32-bit seed from text, so the same job always gets the same results. */
function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
