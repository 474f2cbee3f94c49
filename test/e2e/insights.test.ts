import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobInsightsOf, workflowInsightsOf } from "../../src/answers/index.js";
import type { InsightWindow, WorkflowRun } from "../../src/answers/index.js";
import type { Pipeline } from "../../src/circleci/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { EveryProjectsInsightsDocument, JobInsightsDocument, WorkflowInsightsDocument } from "../generated/graphql.js";
import { truthPipelines, truthRunsOf } from "../support/answers-truth.js";
import { runCli } from "../support/cli-process.js";
import { waitFor } from "../server/wait-for.js";
import { dataOfServe, queryServe, startSyncedServe, stopSyncedServe } from "./synced-serve.js";
import type { SyncedServe } from "./synced-serve.js";

/**
 * `workflowInsights` and `jobInsights` from the built `serve` over a cache the built `sync --once` filled, checked
 * against the answers' definitions applied to the simulated CircleCI's own documents (never to the store).
 */
const DAY_MS = 86_400_000;
let sim: Simulator;
let slugs: string[];
let env: NodeJS.ProcessEnv;
let rig: SyncedServe | undefined;

beforeAll(async () => {
  rig = await startSyncedServe({ seed: 47, projects: 2, pipelinesPerProject: 40, historyDays: 6 }, "e2e-insights:");
  ({ sim, slugs, env } = rig);
}, 60_000);

afterAll(() => stopSyncedServe(rig));

const query = <TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables) => queryServe((rig as SyncedServe).serve.url, document, variables);
const dataOf = <TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables) => dataOfServe((rig as SyncedServe).serve.url, document, variables);

/** The world's runs of a project (on a branch) whose pipelines were created in the window, as the client parses them. */
function truthRuns(slug: string, window: InsightWindow, branch: string | null): WorkflowRun[] {
  const pipelines = truthPipelines(sim.world, slug, window.start).filter(
    (pipeline: Pipeline) => Date.parse(pipeline.created_at) < window.end && (branch === null || pipeline.vcs?.branch === branch),
  );
  return truthRunsOf(sim.world, slug, pipelines, { tests: false });
}

const iso = (instant: number) => new Date(instant).toISOString();

/** Windows that hold every run, the newest part of the history, and an edge inside it. */
function windows(): InsightWindow[] {
  const now = Date.now();
  return [
    { start: now - 10 * DAY_MS, end: now + DAY_MS },
    { start: now - 2 * DAY_MS, end: now + DAY_MS },
    { start: now - 4 * DAY_MS, end: now - 2 * DAY_MS },
  ];
}

describe("workflowInsights", () => {
  it("equals the definitions over CircleCI's own runs, for every project, window and branch", async () => {
    let compared = 0;
    for (const slug of slugs) {
      const branches = [null, sim.world.state.projects.get(slug)?.vcs_info.default_branch ?? null];
      for (const window of windows()) {
        for (const branch of branches) {
          const truth = workflowInsightsOf({ projectSlug: slug, branch, window, workflows: truthRuns(slug, window, branch).map((run) => run.workflow) });
          const served = await dataOf(WorkflowInsightsDocument, { projectSlug: slug, branch, since: iso(window.start), until: iso(window.end) });
          expect(served.workflowInsights).toEqual(truth);
          compared += truth.length;
        }
      }
    }
    // Not vacuous: the windows held runs of several names that both failed and succeeded.
    expect(compared).toBeGreaterThan(6);
    const all = await dataOf(WorkflowInsightsDocument, { projectSlug: slugs[0] as string, since: iso(windows()[0]!.start) });
    expect(all.workflowInsights.some((insight) => insight.failedRuns > 0 && insight.successfulRuns > 0 && insight.duration !== null)).toBe(true);
  });

  it("answers the same beside every configured project, in one request", async () => {
    for (const window of windows()) {
      const { projects } = await dataOf(EveryProjectsInsightsDocument, { since: iso(window.start), until: iso(window.end) });
      expect(projects.map((project) => project.slug)).toEqual(slugs);
      for (const { slug, workflowInsights } of projects) {
        expect(workflowInsights).toEqual(workflowInsightsOf({ projectSlug: slug, branch: null, window, workflows: truthRuns(slug, window, null).map((run) => run.workflow) }));
      }
    }
  });

  it("answers one insight, with zero runs, for a workflow name that has none in the window", async () => {
    const { workflowInsights } = await dataOf(WorkflowInsightsDocument, { projectSlug: slugs[0] as string, workflowName: "no-such-workflow" });
    expect(workflowInsights).toEqual([expect.objectContaining({ workflowName: "no-such-workflow", totalRuns: 0, successRate: null, duration: null, mttrSeconds: null })]);
  });

  it("refuses an empty window with BAD_USER_INPUT naming since and until", async () => {
    const body = await query(WorkflowInsightsDocument, { projectSlug: slugs[0] as string, since: "2026-03-02T00:00:00Z", until: "2026-03-01T00:00:00Z" });
    expect(body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/since must be before until/), extensions: { code: "BAD_USER_INPUT" } })]);
  });
});

describe("jobInsights", () => {
  it("equals the definitions over CircleCI's own jobs and job details, for every workflow name", async () => {
    const window = windows()[0]!;
    let withQueue = 0;
    for (const slug of slugs) {
      const runs = truthRuns(slug, window, null);
      for (const workflowName of new Set(runs.map((run) => run.workflow.name))) {
        // The contract's JobInsight has no `finishedRuns`.
        const truth = jobInsightsOf({ workflowName, window, runs }).map(({ finishedRuns: _finished, ...served }) => served);
        const served = await dataOf(JobInsightsDocument, { projectSlug: slug, workflowName, since: iso(window.start), until: iso(window.end) });
        expect(served.jobInsights).toEqual(truth);
        withQueue += truth.filter((insight) => insight.queueSeconds !== null).length;
      }
    }
    expect(withQueue).toBeGreaterThan(0);
  });
});

describe("freshness", () => {
  it("answers the new truth once a sync wrote new runs: the kept answer was evicted by the write", async () => {
    const slug = slugs[0] as string;
    const window = { start: Date.now() - 10 * DAY_MS, end: Date.now() + DAY_MS };
    const variables = { projectSlug: slug, since: iso(window.start), until: iso(window.end) };
    const before = await dataOf(WorkflowInsightsDocument, variables);
    expect(await dataOf(WorkflowInsightsDocument, variables)).toEqual(before);
    sim.world.advance(6 * 3_600_000);
    const truth = workflowInsightsOf({ projectSlug: slug, branch: null, window, workflows: truthRuns(slug, window, null).map((run) => run.workflow) });
    expect(truth).not.toEqual(before.workflowInsights);
    expect(await runCli(["sync", "--once"], env).exited).toBe(0);
    await waitFor("the new runs in the insights", async () => JSON.stringify((await dataOf(WorkflowInsightsDocument, variables)).workflowInsights) === JSON.stringify(truth));
  });
});
