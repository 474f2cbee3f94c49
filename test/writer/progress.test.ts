import { describe, expect, it } from "vitest";
import type { Workflow, WorkflowJob } from "../../src/circleci/index.js";
import { isLiveWorkflowStatus, isTerminalJobStatus } from "../../src/sync/live.js";
import { reviseJob, reviseWorkflow } from "../../src/writer/news.js";
import { laterJob, laterWorkflow, sameProgress, supersedes } from "../../src/writer/progress.js";
import type { Progress } from "../../src/writer/progress.js";

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
const STATES = WORKFLOW_STATUSES.flatMap((status) => STOP_TIMES.map((stopped_at) => ({ status, stopped_at })));
const PAIRS = STATES.flatMap((stored) => STATES.map((incoming) => ({ stored, incoming })));
const supersedesWorkflow = (stored: Progress, incoming: Progress) => supersedes(stored, incoming, isTerminalWorkflowStatus);
const terminal = (state: Progress) => isTerminalWorkflowStatus(state.status);

/** Every stored state against every incoming one (statuses x stop times), as properties. */
describe("supersedes", () => {
  it("anything replaces a live state", () => {
    const refused = PAIRS.filter(({ stored, incoming }) => !terminal(stored) && !supersedesWorkflow(stored, incoming));
    expect(refused).toEqual([]);
  });

  it("a live state never replaces a terminal one", () => {
    const moved = PAIRS.filter(({ stored, incoming }) => terminal(stored) && !terminal(incoming) && supersedesWorkflow(stored, incoming));
    expect(moved).toEqual([]);
  });

  it("a terminal state is never replaced by one that stopped at the same time or earlier (replays included)", () => {
    const moved = PAIRS.filter(
      ({ stored, incoming }) =>
        terminal(stored) && STOP_TIMES.indexOf(incoming.stopped_at) <= STOP_TIMES.indexOf(stored.stopped_at) && supersedesWorkflow(stored, incoming),
    );
    expect(moved).toEqual([]);
  });

  it("between two terminal states that stopped at different times, exactly the later one wins, whatever the arrival order", () => {
    const terminalPairs = PAIRS.filter(({ stored, incoming }) => terminal(stored) && terminal(incoming) && stored.stopped_at !== incoming.stopped_at);
    expect(terminalPairs.length).toBeGreaterThan(0);
    const wrong = terminalPairs.filter(({ stored, incoming }) => {
      const incomingLater = STOP_TIMES.indexOf(incoming.stopped_at) > STOP_TIMES.indexOf(stored.stopped_at);
      return supersedesWorkflow(stored, incoming) !== incomingLater || supersedesWorkflow(incoming, stored) === incomingLater;
    });
    expect(wrong).toEqual([]);
  });

  it("orders instants by their microseconds, whatever their precision", () => {
    const succeededAt = (stopped_at: string) => ({ status: "success", stopped_at });
    expect(supersedes(succeededAt("2025-06-01T12:00:00.123Z"), succeededAt("2025-06-01T12:00:00.123001Z"), isTerminalJobStatus)).toBe(true);
    expect(supersedes(succeededAt("2025-06-01T12:00:00.123001Z"), succeededAt("2025-06-01T12:00:00.123Z"), isTerminalJobStatus)).toBe(false);
    expect(supersedes(succeededAt("2025-06-01T12:00:00.123000Z"), succeededAt("2025-06-01T12:00:00.123Z"), isTerminalJobStatus)).toBe(false);
    expect(supersedes(succeededAt("2025-06-01T14:00:00.5+02:00"), succeededAt("2025-06-01T12:00:00.500001Z"), isTerminalJobStatus)).toBe(true);
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

  it("any arrival order of the same deliveries, replays included, ends on the latest one", () => {
    const deliveries = [workflowNews("failed", T1), workflowNews("success", T3), workflowNews("canceled", T2), workflowNews("failed", T1)];
    for (const order of permutations(deliveries)) {
      const final = order.reduce((stored, news) => reviseWorkflow(stored, news) ?? stored, workflow);
      expect(final).toEqual({ ...workflow, status: "success", stopped_at: T3 });
    }
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

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

describe("sameProgress and the merge of concurrent writers", () => {
  const ended = (status: string, stopped_at: string | null) => ({ ...job, status, stopped_at });

  it("sees one state in timestamps of different precision, and two in timestamps that differ at the finer one", () => {
    expect(sameProgress(ended("success", "2025-06-01T12:00:00.123Z"), ended("success", "2025-06-01T12:00:00.123456Z"))).toBe(true);
    expect(sameProgress(ended("success", "2025-06-01T12:00:00.123Z"), ended("success", "2025-06-01T12:00:00.124Z"))).toBe(false);
    expect(sameProgress(ended("success", T1), ended("success", T2))).toBe(false);
    expect(sameProgress(ended("success", T1), ended("failed", T1))).toBe(false);
    expect(sameProgress(ended("running", null), ended("running", null))).toBe(true);
    expect(sameProgress(ended("success", T1), ended("success", null))).toBe(false);
  });

  it("takes the sync's re-read of a state a webhook wrote (the document may be richer), never a live one over it", () => {
    const fromWebhook = { ...job, status: "canceled", stopped_at: "2025-06-01T12:00:00.123456Z" };
    const fromApi = { ...job, status: "canceled", stopped_at: "2025-06-01T12:00:00.123Z", canceled_by: "5f8b7c1e-0000-4000-8000-000000000009" };
    expect(laterJob(fromWebhook, fromApi)).toEqual(fromApi);
    expect(laterJob(fromWebhook, { ...job, status: "running" })).toEqual(fromWebhook);
    expect(laterJob(undefined, fromApi)).toEqual(fromApi);
    expect(laterWorkflow({ ...workflow, status: "failed", stopped_at: T2 }, { ...workflow, status: "running" })).toMatchObject({ status: "failed" });
  });
});
