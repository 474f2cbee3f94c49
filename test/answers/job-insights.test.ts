import { describe, expect, it } from "vitest";
import { jobInsightsOf } from "../../src/answers/index.js";
import type { InsightWindow, WorkflowRun } from "../../src/answers/index.js";
import { details, job, workflow } from "./runs.js";

const window: InsightWindow = { start: Date.parse("2024-03-01T00:00:00Z"), end: Date.parse("2024-03-02T00:00:00Z") };

describe("job insights", () => {
  it("counts each job run once by name, times successes and queues, worked out by hand", () => {
    const build = job({ name: "build", status: "success", startedAt: "10:00:10", stoppedAt: "10:02:10" });
    const unitFailed = job({ name: "unit-test", status: "failed", startedAt: "10:02:30", stoppedAt: "10:03:30" });
    const unitPassed = job({ name: "unit-test", status: "success", startedAt: "10:30:20", stoppedAt: "10:35:20" });
    const timedOut = job({ name: "e2e", status: "timedout", startedAt: "11:00:00", stoppedAt: "11:10:00" });
    const canceled = job({ name: "e2e", status: "canceled", startedAt: null, stoppedAt: "11:20:00" });
    const queued = job({ name: "e2e", status: "queued", startedAt: null });
    const runs: WorkflowRun[] = [
      {
        workflow: workflow({ status: "failed", createdAt: "10:00:00", stoppedAt: "10:03:30", pipelineNumber: 1 }),
        revision: "abc",
        jobs: [
          { job: build, details: details(build, "10:00:04") }, // queued 6 s
          { job: unitFailed, details: details(unitFailed, "10:02:20") }, // queued 10 s
        ],
      },
      {
        // A rerun from failed: build is carried over under its own id, and counts once.
        workflow: workflow({ status: "success", createdAt: "10:30:00", stoppedAt: "10:35:20", pipelineNumber: 1 }),
        revision: "abc",
        jobs: [{ job: build, details: details(build, "10:00:04") }, { job: unitPassed, details: details(unitPassed, "10:30:18") }], // queued 2 s
      },
      {
        workflow: workflow({ status: "failed", createdAt: "11:00:00", stoppedAt: "11:20:00", pipelineNumber: 2 }),
        revision: "def",
        // No details for the timed-out job: it has no queue time, and still counts.
        jobs: [{ job: timedOut }, { job: canceled, details: details(canceled, "11:15:00", null) }],
      },
      {
        workflow: workflow({ status: "running", createdAt: "11:30:00", pipelineNumber: 3 }),
        revision: "ghi",
        jobs: [{ job: queued, details: details(queued, "11:30:01", null) }],
      },
      {
        workflow: workflow({ name: "deploy", status: "success", createdAt: "10:00:00", stoppedAt: "10:01:00", pipelineNumber: 1 }),
        revision: "abc",
        jobs: [{ job: job({ name: "build", status: "success", startedAt: "10:00:00", stoppedAt: "10:01:00" }) }],
      },
      {
        workflow: workflow({ status: "success", createdAt: "2024-03-02T00:00:00Z", stoppedAt: "2024-03-02T00:01:00Z", pipelineNumber: 9 }),
        revision: "jkl",
        jobs: [{ job: job({ name: "build", status: "failed", startedAt: "2024-03-02T00:00:00Z", stoppedAt: "2024-03-02T00:01:00Z" }) }],
      },
    ];
    expect(jobInsightsOf({ workflowName: "build-test", window, runs })).toEqual([
      {
        name: "build",
        totalRuns: 1,
        finishedRuns: 1,
        successfulRuns: 1,
        failedRuns: 0,
        successRate: 1,
        duration: { min: 120, max: 120, mean: 120, median: 120, p95: 120 },
        queueSeconds: { min: 6, max: 6, mean: 6, median: 6, p95: 6 },
      },
      {
        name: "e2e",
        totalRuns: 3,
        finishedRuns: 2,
        successfulRuns: 0,
        failedRuns: 1,
        successRate: 0,
        duration: null,
        queueSeconds: null,
      },
      {
        name: "unit-test",
        totalRuns: 2,
        finishedRuns: 2,
        successfulRuns: 1,
        failedRuns: 1,
        successRate: 0.5,
        duration: { min: 300, max: 300, mean: 300, median: 300, p95: 300 },
        queueSeconds: { min: 2, max: 10, mean: 6, median: 2, p95: 10 },
      },
    ]);
    expect(jobInsightsOf({ workflowName: "nightly", window, runs })).toEqual([]);
  });
});
