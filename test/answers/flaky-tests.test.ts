import { describe, expect, it } from "vitest";
import { flakyTestsOf } from "../../src/answers/index.js";
import type { InsightWindow, WorkflowRun } from "../../src/answers/index.js";
import type { TestResult, WorkflowJob } from "../../src/circleci/index.js";
import { at, job, testResult, workflow } from "./runs.js";

const window: InsightWindow = { start: Date.parse("2024-03-01T00:00:00Z"), end: Date.parse("2024-03-02T00:00:00Z") };

let pipelineNumber = 1;

/** A workflow run of one job with these tests. */
function run(spec: { revision: string | null; createdAt: string; job: WorkflowJob; tests?: TestResult[]; name?: string; samePipeline?: boolean }): WorkflowRun {
  if (spec.samePipeline !== true) pipelineNumber += 1;
  return {
    workflow: workflow({ name: spec.name, status: spec.job.status === "success" ? "success" : "failed", createdAt: spec.createdAt, stoppedAt: spec.job.stopped_at ?? null, pipelineNumber }),
    revision: spec.revision,
    jobs: [{ job: spec.job, tests: spec.tests }],
  };
}

const failingTests = [
  testResult("refreshes the session", "failure"),
  testResult("logs in", "success"),
  testResult("reads the config", "error", "api.ConfigTest", "test/config.test.ts"),
  testResult("skips on windows", "skipped"),
];

describe("flaky tests", () => {
  it("counts a failure as a flake when a later run of the job on the same revision passed", () => {
    const runs = [
      run({ revision: "r1", createdAt: "10:00:00", job: job({ name: "unit-test", status: "failed", stoppedAt: "10:05:00" }), tests: failingTests }),
      run({ revision: "r1", createdAt: "10:30:00", samePipeline: true, job: job({ name: "unit-test", status: "success", stoppedAt: "10:36:00" }) }),
    ];
    // Equal counts and times: by class name. The passing and skipped tests are no flakes.
    expect(flakyTestsOf({ window, runs })).toEqual([
      { name: "reads the config", classname: "api.ConfigTest", file: "test/config.test.ts", jobName: "unit-test", workflowName: "build-test", flakes: 1, lastFlakedAt: at("10:05:00") },
      { name: "refreshes the session", classname: "api.SessionTest", file: "test/session.test.ts", jobName: "unit-test", workflowName: "build-test", flakes: 1, lastFlakedAt: at("10:05:00") },
    ]);
  });

  it("does not count failures without a later pass of the same job, workflow and revision", () => {
    const failure = () => [testResult("refreshes the session", "failure")];
    const runs = [
      // Passed before it failed: not a rerun that passed.
      run({ revision: "r2", createdAt: "09:00:00", job: job({ name: "unit-test", status: "success", stoppedAt: "09:05:00" }) }),
      run({ revision: "r2", createdAt: "10:00:00", job: job({ name: "unit-test", status: "failed", stoppedAt: "10:05:00" }), tests: failure() }),
      // Passed later, but on another revision.
      run({ revision: "r3", createdAt: "11:00:00", job: job({ name: "unit-test", status: "success", stoppedAt: "11:05:00" }) }),
      // Passed later on the same revision, but as another job or in another workflow.
      run({ revision: "r2", createdAt: "12:00:00", job: job({ name: "lint", status: "success", stoppedAt: "12:05:00" }) }),
      run({ revision: "r2", createdAt: "12:30:00", name: "nightly", job: job({ name: "unit-test", status: "success", stoppedAt: "12:35:00" }) }),
      // A rerun that failed again is no pass.
      run({ revision: "r2", createdAt: "13:00:00", job: job({ name: "unit-test", status: "failed", stoppedAt: "13:05:00" }), tests: failure() }),
      // No revision: nothing to compare with.
      run({ revision: null, createdAt: "14:00:00", job: job({ name: "unit-test", status: "failed", stoppedAt: "14:05:00" }), tests: failure() }),
      run({ revision: null, createdAt: "14:30:00", job: job({ name: "unit-test", status: "success", stoppedAt: "14:35:00" }) }),
    ];
    expect(flakyTestsOf({ window, runs })).toEqual([]);
  });

  it("counts every flaky failure in the window once per job run, and dates the newest", () => {
    const refresh = testResult("refreshes the session", "failure");
    const runs = [
      // Stopped before the window: not counted, though its rerun passed.
      run({ revision: "r4", createdAt: "2024-02-29T23:50:00Z", job: job({ name: "unit-test", status: "failed", stoppedAt: "2024-02-29T23:55:00Z" }), tests: [refresh] }),
      run({ revision: "r4", createdAt: "10:00:00", job: job({ name: "unit-test", status: "failed", stoppedAt: "10:05:00" }), tests: [refresh, refresh] }),
      run({ revision: "r4", createdAt: "10:30:00", samePipeline: true, job: job({ name: "unit-test", status: "failed", stoppedAt: "10:35:00" }), tests: [refresh] }),
      // The pass after the window still makes the failures before it flakes.
      run({ revision: "r4", createdAt: "2024-03-02T00:10:00Z", samePipeline: true, job: job({ name: "unit-test", status: "success", stoppedAt: "2024-03-02T00:15:00Z" }) }),
      run({ revision: "r5", createdAt: "11:00:00", job: job({ name: "e2e", status: "failed", stoppedAt: "11:05:00" }), tests: [testResult("checks out", "failure", "e2e.Cart", "e2e/cart.spec.ts")] }),
      run({ revision: "r5", createdAt: "11:30:00", samePipeline: true, job: job({ name: "e2e", status: "success", stoppedAt: "11:40:00" }) }),
    ];
    expect(flakyTestsOf({ window, runs }).map(({ name, jobName, flakes, lastFlakedAt }) => ({ name, jobName, flakes, lastFlakedAt }))).toEqual([
      { name: "refreshes the session", jobName: "unit-test", flakes: 2, lastFlakedAt: at("10:35:00") },
      { name: "checks out", jobName: "e2e", flakes: 1, lastFlakedAt: at("11:05:00") },
    ]);
  });

  it("has nothing to say without runs", () => {
    expect(flakyTestsOf({ window, runs: [] })).toEqual([]);
  });
});
