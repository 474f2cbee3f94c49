import { describe, expect, it } from "vitest";
import type { Workflow, WorkflowJob } from "../../src/circleci/index.js";
import { isLiveWorkflowStatus, isTerminalJobStatus } from "../../src/sync/live.js";
import { reviseJob, reviseWorkflow, supersedes } from "../../src/webhooks/apply.js";

const T1 = "2025-06-01T12:00:00.000100Z";
const T2 = "2025-06-01T12:00:00.000200Z";
const T3 = "2025-06-01T12:05:00Z";

const workflow: Workflow = {
  id: "5f8b7c1e-0000-4000-8000-000000000001",
  name: "build",
  pipeline_id: "5f8b7c1e-0000-4000-8000-000000000002",
  pipeline_number: 7,
  project_slug: "gh/acme/api",
  status: "running",
  started_by: "5f8b7c1e-0000-4000-8000-000000000003",
  created_at: "2025-06-01T11:50:00Z",
  stopped_at: null,
};

const job: WorkflowJob = {
  id: "5f8b7c1e-0000-4000-8000-000000000004",
  name: "test",
  type: "build",
  status: "running",
  project_slug: "gh/acme/api",
  dependencies: [],
  started_at: "2025-06-01T11:55:00Z",
  stopped_at: null,
  job_number: 42,
};

const workflowNews = (status: string, stopped_at: string | null) => ({ id: workflow.id, name: "build", status, created_at: workflow.created_at, stopped_at });
const jobNews = (status: string, stopped_at: string | null) => ({ id: job.id, name: "test", number: 42, status, started_at: "2025-06-01T11:55:00.000001Z", stopped_at });

const WORKFLOW_STATUSES = ["running", "failing", "on_hold", "success", "failed", "error", "canceled", "not_run", "unauthorized"];
const STOP_TIMES = [null, T1, T2];
const isTerminalWorkflowStatus = (status: string) => !isLiveWorkflowStatus(status);

describe("supersedes: every stored state against every incoming one", () => {
  for (const storedStatus of WORKFLOW_STATUSES) {
    for (const storedStop of STOP_TIMES) {
      for (const incomingStatus of WORKFLOW_STATUSES) {
        for (const incomingStop of STOP_TIMES) {
          const storedTerminal = isTerminalWorkflowStatus(storedStatus);
          const incomingTerminal = isTerminalWorkflowStatus(incomingStatus);
          const strictlyLater = STOP_TIMES.indexOf(incomingStop) > STOP_TIMES.indexOf(storedStop);
          const expected = !storedTerminal || (incomingTerminal && strictlyLater);
          it(`${storedStatus}@${storedStop} <- ${incomingStatus}@${incomingStop}: ${expected}`, () => {
            const actual = supersedes({ status: storedStatus, stopped_at: storedStop }, { status: incomingStatus, stopped_at: incomingStop }, isTerminalWorkflowStatus);
            expect(actual).toBe(expected);
          });
        }
      }
    }
  }

  it("orders instants by their microseconds, whatever their precision", () => {
    const terminal = (stopped_at: string) => ({ status: "success", stopped_at });
    expect(supersedes(terminal("2025-06-01T12:00:00.123Z"), terminal("2025-06-01T12:00:00.123001Z"), isTerminalJobStatus)).toBe(true);
    expect(supersedes(terminal("2025-06-01T12:00:00.123001Z"), terminal("2025-06-01T12:00:00.123Z"), isTerminalJobStatus)).toBe(false);
    expect(supersedes(terminal("2025-06-01T12:00:00.123000Z"), terminal("2025-06-01T12:00:00.123Z"), isTerminalJobStatus)).toBe(false);
    expect(supersedes(terminal("2025-06-01T14:00:00.5+02:00"), terminal("2025-06-01T12:00:00.500001Z"), isTerminalJobStatus)).toBe(true);
  });
});

describe("reviseWorkflow", () => {
  it("patches the status and stopped_at of a running workflow, and nothing else", () => {
    expect(reviseWorkflow(workflow, workflowNews("success", T1))).toEqual({ ...workflow, status: "success", stopped_at: T1 });
  });

  it("an identical replay changes nothing", () => {
    const once = reviseWorkflow(workflow, workflowNews("failed", T1));
    expect(once).toBeDefined();
    expect(reviseWorkflow(once as Workflow, workflowNews("failed", T1))).toBeUndefined();
  });

  it("out of order: an older completion after a newer one changes nothing", () => {
    const newer = reviseWorkflow(workflow, workflowNews("success", T2)) as Workflow;
    expect(reviseWorkflow(newer, workflowNews("failed", T1))).toBeUndefined();
  });

  it("a live status never replaces a terminal one", () => {
    expect(reviseWorkflow({ ...workflow, status: "canceled", stopped_at: T1 }, workflowNews("running", null))).toBeUndefined();
  });

  it("news equal to the stored live document changes nothing", () => {
    expect(reviseWorkflow(workflow, workflowNews("running", null))).toBeUndefined();
  });
});

describe("reviseJob", () => {
  it("patches the status and timestamps of a running job, and nothing else", () => {
    expect(reviseJob(job, jobNews("failed", T3))).toEqual({ ...job, status: "failed", started_at: "2025-06-01T11:55:00.000001Z", stopped_at: T3 });
  });

  it("an identical replay changes nothing", () => {
    const once = reviseJob(job, jobNews("success", T3)) as WorkflowJob;
    expect(reviseJob(once, jobNews("success", T3))).toBeUndefined();
  });

  it("out of order: an older completion after a newer one changes nothing; a later one replaces it", () => {
    const first = reviseJob(job, jobNews("failed", T2)) as WorkflowJob;
    expect(reviseJob(first, jobNews("success", T1))).toBeUndefined();
    expect(reviseJob(first, jobNews("success", T3))).toMatchObject({ status: "success", stopped_at: T3 });
  });

  it("keeps the stored timestamps when the news has none", () => {
    const stored = { ...job, status: "queued" };
    expect(reviseJob(stored, { ...jobNews("canceled", null), started_at: null })).toEqual({ ...stored, status: "canceled" });
  });
});
