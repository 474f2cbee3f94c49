import { describe, expect, it } from "vitest";
import type { CircleCIClient, JobDetails, Pipeline, Workflow, WorkflowJob } from "../../src/circleci/index.js";
import type { JobRecord, Store } from "../../src/store/store.js";
import { jobChanges, pipelineChanges, sameDocument, workflowChanges } from "../../src/writer/changes.js";
import type { StoreWriter } from "../../src/writer/index.js";
import { SyncEngine } from "../../src/sync/index.js";
import { hasJobRecord, isRecordStale } from "../../src/sync/job-records.js";
import { isJobInProgress, isLiveWorkflowStatus, isPipelineActive, isTerminalJobStatus } from "../../src/sync/live.js";
import { nextStreamStatuses } from "../../src/sync/status.js";
import { isInWindow, isPastWindow, nextHighWaterMark, windowCoverage, windowStart } from "../../src/sync/window.js";

const HOUR_MS = 3_600_000;

describe("window", () => {
  const now = Date.parse("2025-06-01T12:00:00Z");

  it("starts at the backfill start on a first sync, then at the high-water mark minus the lookback", () => {
    expect(windowStart({ highWaterMark: undefined, now, lookbackHours: 6, backfillDays: 2 })).toBe(now - 48 * HOUR_MS);
    expect(windowStart({ highWaterMark: "2025-06-01T10:00:00.000Z", now, lookbackHours: 6, backfillDays: 2 })).toBe(now - 8 * HOUR_MS);
  });

  it("compares instants, not strings, across precisions", () => {
    // As strings "…10:00:00Z" sorts after "…10:00:00.400Z" ("Z" > "."); as instants it is earlier.
    const start = Date.parse("2025-06-01T10:00:00.400Z");
    expect(isInWindow({ created_at: "2025-06-01T10:00:00Z" }, start)).toBe(false);
    expect(isInWindow({ created_at: "2025-06-01T10:00:00.400123Z" }, start)).toBe(true);
    expect(nextHighWaterMark("2025-06-01T10:00:00Z", [{ created_at: "2025-06-01T10:00:00.400Z" }], 0)).toBe("2025-06-01T10:00:00.400Z");
  });

  it("stops only after a whole page older than the window; an empty page says nothing", () => {
    const start = Date.parse("2025-06-01T10:00:00Z");
    expect(isPastWindow([{ created_at: "2025-06-01T09:00:00Z" }, { created_at: "2025-06-01T10:30:00Z" }], start)).toBe(false);
    expect(isPastWindow([{ created_at: "2025-06-01T09:00:00Z" }, { created_at: "2025-06-01T08:00:00Z" }], start)).toBe(true);
    expect(isPastWindow([], start)).toBe(false);
  });

  it("measures how much of the window a walk covered by the oldest pipeline of its last page", () => {
    const start = now - 10 * HOUR_MS;
    const at = (hoursAgo: number) => ({ created_at: new Date(now - hoursAgo * HOUR_MS).toISOString() });
    expect(windowCoverage([at(1), at(2.5)], start, now)).toBe(0.25);
    expect(windowCoverage([at(9), at(5)], start, now)).toBe(0.9);
    expect(windowCoverage([at(12)], start, now)).toBe(1);
    // Clock skew: a pipeline "from the future" has covered nothing yet.
    expect(windowCoverage([at(-1)], start, now)).toBe(0);
    expect(windowCoverage([], start, now)).toBe(0);
  });

  it("keeps the newest mark, or the window start when nothing was ever written", () => {
    const written = [{ created_at: "2025-06-01T11:00:00Z" }, { created_at: "2025-06-01T11:30:00.120Z" }];
    expect(nextHighWaterMark("2025-06-01T11:10:00Z", written, 0)).toBe("2025-06-01T11:30:00.120Z");
    expect(nextHighWaterMark(undefined, [], Date.parse("2025-05-01T00:00:00Z"))).toBe("2025-05-01T00:00:00.000Z");
  });
});

describe("live statuses", () => {
  it("follows API.md §4.4, with unknown values live", () => {
    expect(["running", "failing", "on_hold", "brand-new"].every(isLiveWorkflowStatus)).toBe(true);
    expect(["success", "failed", "error", "canceled", "not_run", "unauthorized"].some(isLiveWorkflowStatus)).toBe(false);
    expect(["success", "retried", "terminated-unknown", "canceled"].every(isTerminalJobStatus)).toBe(true);
    expect(["blocked", "queued", "running", "on_hold", "not_running"].some(isTerminalJobStatus)).toBe(false);
  });

  it("counts a blocked job only while its workflow can still release it", () => {
    expect(isJobInProgress("blocked", "running")).toBe(true);
    expect(isJobInProgress("blocked", "failed")).toBe(false);
    expect(isJobInProgress("running", "failed")).toBe(true);
    expect(isPipelineActive([{ status: "failed", jobStatuses: ["failed", "blocked"] }])).toBe(false);
    expect(isPipelineActive([{ status: "success" }, { status: "on_hold" }])).toBe(true);
    expect(isPipelineActive([])).toBe(false);
  });
});

const pipeline = { id: "p1", created_at: "2025-06-01T10:00:00Z" } as Pipeline;
const workflow = (status: string) => ({ id: "w1", status, stopped_at: null }) as Workflow;
const job = (id: string, status: string) => ({ id, status, type: "build", job_number: 7 }) as WorkflowJob;

describe("changes", () => {
  it("announces a pipeline only when it is new to the store", () => {
    expect(pipelineChanges("gh/a/b", [{ stored: undefined, fetched: pipeline }])).toEqual([
      { type: "pipeline.created", projectSlug: "gh/a/b", pipeline },
    ]);
    expect(pipelineChanges("gh/a/b", [{ stored: { ...pipeline, updated_at: "x" }, fetched: pipeline }])).toEqual([]);
  });

  it("announces new workflows and status changes, nothing for an unchanged status", () => {
    const events = workflowChanges("gh/a/b", [
      { stored: undefined, fetched: workflow("running") },
      { stored: workflow("running"), fetched: workflow("success") },
      { stored: workflow("success"), fetched: { ...workflow("success"), stopped_at: "2025-06-01T10:05:00Z" } },
    ]);
    expect(events.map((event) => (event.type === "workflow.status_changed" ? event.previousStatus : event.type))).toEqual([null, "running"]);
  });

  it("announces a job listed by two workflows once", () => {
    const fetched = job("j1", "success");
    const events = jobChanges("gh/a/b", [
      { stored: job("j1", "running"), fetched, workflowId: "w1" },
      { stored: job("j1", "running"), fetched, workflowId: "w2" },
    ]);
    expect(events).toEqual([{ type: "job.status_changed", projectSlug: "gh/a/b", workflowId: "w1", job: fetched, previousStatus: "running" }]);
  });

  it("compares documents as JSON would: key order and undefined keys do not count", () => {
    expect(sameDocument({ a: 1, b: [1, { c: undefined }] }, { b: [1, {}], a: 1 })).toBe(true);
    expect(sameDocument({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(sameDocument([1, 2], [2, 1])).toBe(false);
  });
});

describe("job records", () => {
  const record = (status: string, latestWorkflow: string): JobRecord => ({
    projectSlug: "gh/a/b",
    number: 7,
    details: { status, latest_workflow: { id: latestWorkflow, name: "build" } } as JobDetails,
  });

  it("exist only for numbered build jobs", () => {
    expect(hasJobRecord(job("j1", "running"))).toBe(true);
    expect(hasJobRecord({ ...job("j1", "on_hold"), type: "approval" })).toBe(false);
    expect(hasJobRecord({ ...job("j1", "blocked"), job_number: undefined })).toBe(false);
  });

  it("are re-read when first seen, when the status moved, and when a rerun carried the job into a new workflow", () => {
    const sighting = { job: job("j1", "success"), workflowId: "w2", workflowIsNew: false };
    expect(isRecordStale(undefined, sighting)).toBe(true);
    expect(isRecordStale(record("running", "w2"), sighting)).toBe(true);
    expect(isRecordStale(record("success", "w1"), sighting)).toBe(false);
    expect(isRecordStale(record("success", "w1"), { ...sighting, workflowIsNew: true })).toBe(true);
    expect(isRecordStale(record("success", "w2"), { ...sighting, workflowIsNew: true })).toBe(false);
  });

  it("seen only in the store (the workflow ended unchanged), are re-read when they disagree with the job, not when missing", () => {
    const sighting = { job: job("j1", "success"), workflowId: "w1", workflowIsNew: false, inStore: true };
    expect(isRecordStale(record("running", "w1"), sighting)).toBe(true);
    expect(isRecordStale(record("success", "w1"), sighting)).toBe(false);
    expect(isRecordStale(undefined, sighting)).toBe(false);
  });
});

describe("stream statuses", () => {
  it("accumulate records, move lastSuccessAt on success and keep the last error with its time", () => {
    const first = nextStreamStatuses([], [{ stream: "pipelines", projectSlug: "gh/a/b", records: 3, pages: 1 }], "t1");
    const failed = nextStreamStatuses(first, [{ stream: "pipelines", projectSlug: "gh/a/b", records: 1, pages: 1, error: "boom" }], "t2");
    const recovered = nextStreamStatuses(failed, [{ stream: "pipelines", projectSlug: "gh/a/b", records: 0, pages: 1 }], "t3");
    expect(failed).toEqual([{ stream: "pipelines", projectSlug: "gh/a/b", records: 4, lastSuccessAt: "t1", lastError: "boom", lastErrorAt: "t2" }]);
    expect(recovered).toEqual([{ stream: "pipelines", projectSlug: "gh/a/b", records: 4, lastSuccessAt: "t3", lastError: "boom", lastErrorAt: "t2" }]);
  });
});

describe("engine options", () => {
  const base = {
    client: {} as CircleCIClient,
    store: {} as Store,
    writer: {} as StoreWriter,
    projectSlugs: ["github/acme/api"],
    lookbackHours: 6,
    backfillDays: 30,
  };

  it("refuse a slug CircleCI would not accept, naming the formats", () => {
    expect(() => new SyncEngine({ ...base, projectSlugs: ["acme/api"] })).toThrow(/Invalid project slug "acme\/api": use gh\/<org>\/<repo>/);
  });

  it("refuse windows and concurrency that make no sense", () => {
    expect(() => new SyncEngine({ ...base, backfillDays: 0, concurrency: 0 })).toThrow(
      "Invalid sync options: concurrency must be an integer >= 1; backfillDays must be > 0",
    );
  });
});
