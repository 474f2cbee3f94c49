import { afterEach, describe, expect, it } from "vitest";
import { CircleCIClient } from "../../src/circleci/index.js";
import type { RecordRejection } from "../../src/circleci/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { jobKey } from "../../src/simulator/state.js";
import type { SimState } from "../../src/simulator/state.js";
import { fastRetry } from "./support/fake-circleci.js";

/**
 * Every client endpoint against the simulator, checked against `sim.world.state`: the truth the
 * simulator serves. Small pages (3) so that every list really pages.
 */

let sim: Simulator | undefined;
let client: CircleCIClient | undefined;
let rejected: RecordRejection[] = [];

afterEach(async () => {
  await client?.close();
  await sim?.stop();
  client = undefined;
  sim = undefined;
});

async function setUp(lastPage: "null" | "absent", maxAttempts = fastRetry.maxAttempts) {
  sim = await startSimulator({ world: { seed: 7, projects: 3, pipelinesPerProject: 12 }, pageSize: 3, lastPage });
  rejected = [];
  client = new CircleCIClient({
    token: sim.token,
    baseUrl: sim.url,
    retry: { ...fastRetry, maxAttempts },
    // The simulator has no rate limit unless asked: do not let the default budget slow the suite.
    requestsPerSecond: 1000,
    onRecordRejected: (event) => rejected.push(event),
  });
  return { sim, client, state: sim.world.state };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

function pipelinesOf(state: SimState, slug: string) {
  return (state.pipelinesByProject.get(slug) ?? []).map((id) => state.pipelines.get(id));
}

/** A pipeline with at least one workflow that has at least one build job with details. */
function pipelineWithBuildJob(state: SimState) {
  for (const [pipelineId, workflowIds] of state.workflowsByPipeline) {
    for (const workflowId of workflowIds) {
      const job = (state.jobsByWorkflow.get(workflowId) ?? []).find(
        (candidate) => candidate.job_number != null && state.jobDetails.has(jobKey(candidate.project_slug, candidate.job_number)),
      );
      if (job?.job_number != null) return { pipelineId, workflowId, slug: job.project_slug, jobNumber: job.job_number };
    }
  }
  throw new Error("the seeded world has no build job with details");
}

describe.each(["null", "absent"] as const)("the client against the simulator (last page: %s)", (lastPage) => {
  it("walks every project's pipelines, page size 3, newest first, exactly as the simulator holds them", async () => {
    const { sim, client, state } = await setUp(lastPage);
    let expectedPages = 0;
    for (const slug of state.projects.keys()) {
      const truth = pipelinesOf(state, slug);
      expect(truth.length).toBeGreaterThan(3);
      const pages = await collect(client.pipelinePages(slug));
      expect(pages.flatMap((page) => page.items)).toEqual(truth);
      expect(pages.every((page) => page.items.length <= 3 && page.rejected === 0)).toBe(true);
      expectedPages += Math.max(1, Math.ceil(truth.length / 3));
    }
    expect(sim.counters.byEndpoint()["GET /project/{slug}/pipeline"]).toBe(expectedPages);
    expect(rejected).toEqual([]);
  });

  it("filters pipelines by branch on every page", async () => {
    const { client, state } = await setUp(lastPage);
    const [slug] = state.projects.keys();
    const truth = pipelinesOf(state, slug!);
    const branch = truth.find((p) => p?.vcs?.branch !== undefined)?.vcs?.branch;
    expect(branch).toBeDefined();
    const onBranch = await collect(client.listPipelines(slug!, { branch }));
    expect(onBranch).toEqual(truth.filter((p) => p?.vcs?.branch === branch));
  });

  it("reads the user, projects, a pipeline, its workflows and jobs, job details and steps", async () => {
    const { client, state, sim } = await setUp(lastPage);
    expect(await client.me()).toEqual(sim.world.me);
    for (const [slug, project] of state.projects) expect(await client.getProject(slug)).toEqual(project);

    const { pipelineId, workflowId, slug, jobNumber } = pipelineWithBuildJob(state);
    expect(await client.getPipeline(pipelineId)).toEqual(state.pipelines.get(pipelineId));

    const workflows = await collect(client.listWorkflows(pipelineId));
    expect(workflows).toEqual((state.workflowsByPipeline.get(pipelineId) ?? []).map((id) => state.workflows.get(id)));
    expect(await client.getWorkflow(workflowId)).toEqual(state.workflows.get(workflowId));

    expect(await collect(client.listWorkflowJobs(workflowId))).toEqual(state.jobsByWorkflow.get(workflowId));
    expect(await client.getJobDetails(slug, jobNumber)).toEqual(state.jobDetails.get(jobKey(slug, jobNumber)));

    const build = state.builds.get(jobKey(slug, jobNumber));
    const steps = await client.getJobSteps(slug, jobNumber);
    expect(steps.build_num).toBe(jobNumber);
    expect(steps.steps).toEqual(build?.steps?.map((step) => ({ ...step, actions: step.actions.map(withoutOutputUrl) })));
    expect(JSON.stringify(steps)).not.toContain("output_url");
    expect(rejected).toEqual([]);
  });

  it("walks every workflow and job list of the world without a single rejected item", async () => {
    const { client, state } = await setUp(lastPage);
    for (const [pipelineId, workflowIds] of state.workflowsByPipeline) {
      const workflows = await collect(client.listWorkflows(pipelineId));
      expect(workflows.map((w) => w.id)).toEqual(workflowIds);
    }
    for (const [workflowId, jobs] of state.jobsByWorkflow) {
      expect(await collect(client.listWorkflowJobs(workflowId))).toEqual(jobs);
    }
    expect(client.stats.rejectedRecords).toBe(0);
  });

  it("lists every organization's contexts and their variable names", async () => {
    const { client, state } = await setUp(lastPage);
    expect(state.contexts.size).toBeGreaterThan(0);
    for (const [orgId, contexts] of state.contexts) {
      expect(await collect(client.listContexts(orgId))).toEqual(contexts);
      for (const context of contexts) {
        expect(await collect(client.listContextEnvVars(context.id))).toEqual(state.envVars.get(context.id) ?? []);
      }
    }
    expect(rejected).toEqual([]);
  });
});

describe("the client against a misbehaving simulator", () => {
  it("completes a paginated walk through 503s, resets, truncated and garbage bodies", async () => {
    const { sim, client, state } = await setUp("null", 6);
    const endpoint = "GET /project/{slug}/pipeline";
    sim.inject({ kind: "503", endpoint, count: 2 });
    sim.inject({ kind: "reset", endpoint });
    sim.inject({ kind: "truncate", endpoint });
    sim.inject({ kind: "garbage", endpoint });
    const [slug] = state.projects.keys();
    const truth = pipelinesOf(state, slug!);
    expect(await collect(client.listPipelines(slug!))).toEqual(truth);
    expect(sim.counters.byEndpoint()[endpoint]).toBe(Math.ceil(truth.length / 3) + 5);
    expect(client.stats.retries).toBe(5);
  });

  it("waits out an injected 429 and still returns everything", async () => {
    const { sim, client, state } = await setUp("absent");
    sim.inject({ kind: "429", endpoint: "GET /context", retryAfterSeconds: 1 });
    const [orgId, contexts] = [...state.contexts][0]!;
    const started = Date.now();
    expect(await collect(client.listContexts(orgId))).toEqual(contexts);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(client.stats.rateLimitWaits.count).toBe(1);
  });
});

describe("the client against a world with every deviation from the documents", () => {
  it("reads every record whole, odd shapes included, without a single rejected one, each project's slug as its key", async () => {
    sim = await startSimulator({ world: { seed: 7, projects: 3, pipelinesPerProject: 8, historyDays: 3, deviations: "all" }, pageSize: 5 });
    rejected = [];
    client = new CircleCIClient({ token: sim.token, baseUrl: sim.url, retry: fastRetry, requestsPerSecond: 1000, onRecordRejected: (event) => rejected.push(event) });
    const { state } = sim.world;
    const seen = { nullProviders: 0, bareBuilds: 0, nullActionFields: 0, startedApprovals: 0 };
    for (const slug of state.projects.keys()) {
      expect((await client.getProject(slug)).slug).toBe(slug);
      for (const pipeline of await collect(client.listPipelines(slug))) {
        expect(pipeline.project_slug).toBe(slug);
        if (pipeline.vcs != null && pipeline.vcs.provider_name === null) seen.nullProviders += 1;
        for (const workflow of await collect(client.listWorkflows(pipeline.id))) {
          expect(workflow.project_slug).toBe(slug);
          for (const job of await collect(client.listWorkflowJobs(workflow.id))) {
            expect(job.project_slug).toBe(slug);
            if (job.type === "approval" && job.started_at != null) seen.startedApprovals += 1;
            if (job.type !== "build" || job.job_number == null || !state.jobDetails.has(jobKey(slug, job.job_number))) continue;
            expect((await client.getJobDetails(slug, job.job_number)).project.slug).toBe(slug);
            const build = await client.getJobSteps(slug, job.job_number);
            if (build.build_num == null && build.steps == null) seen.bareBuilds += 1;
            const actions = (build.steps ?? []).flatMap((step) => step.actions ?? []);
            if (actions.some((action) => action.step === null && action.type === null)) seen.nullActionFields += 1;
          }
        }
      }
    }
    expect(rejected).toEqual([]);
    expect(Object.values(seen).every((count) => count > 0)).toBe(true);
  });
});

function withoutOutputUrl<T extends { output_url?: string }>(action: T): Omit<T, "output_url"> {
  const { output_url: _dropped, ...rest } = action;
  return rest;
}
