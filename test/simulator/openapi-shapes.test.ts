import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import type { JobDetailWire, PipelineWire, WorkflowJobWire, WorkflowWire } from "../../src/simulator/model.js";
import { createWorld } from "../../src/simulator/world.js";
import { loadOpenApi, responseValidator } from "../support/openapi.js";
import { get } from "./http.js";

/**
 * Every v2 answer the simulator gives for a generated world must match CircleCI's own OpenAPI
 * document, except for the deviations API.md documents (listed in test/support/openapi.ts).
 */
const spec = loadOpenApi("test/fixtures/openapi-v2.json");

interface Sample {
  operationId: string;
  path: string;
  body: unknown;
}

let sim: Simulator;
const samples: Sample[] = [];

async function fetchSample<T>(operationId: string, path: string): Promise<T> {
  const answer = await get(`${sim.url}/api/v2${path}`, { "circle-token": sim.token, accept: "application/json" });
  if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${answer.text}`);
  const body = answer.json<T>();
  samples.push({ operationId, path, body });
  return body;
}

async function fetchAllPages<T>(operationId: string, path: string, query: Record<string, string> = {}): Promise<T[]> {
  const items: T[] = [];
  let token: string | null | undefined;
  do {
    const params = new URLSearchParams({ ...query, ...(token ? { "page-token": token } : {}) });
    const page = await fetchSample<{ items: T[]; next_page_token: string | null }>(operationId, `${path}?${params}`);
    items.push(...page.items);
    token = page.next_page_token;
  } while (token);
  return items;
}

beforeAll(async () => {
  const world = createWorld({ seed: 42, now: Date.parse("2025-06-01T12:00:00.000Z"), projects: 3, pipelinesPerProject: 8, historyDays: 3 });
  const [slug = ""] = world.state.projects.keys();
  world.triggerPipeline(slug, { errored: true });
  world.triggerPipeline(slug, { trigger: "api", branch: "main" });
  world.triggerPipeline(slug, { tag: "v9.9.9" });
  world.triggerPipeline(slug, { holdForApproval: true });
  // Far enough for the new pipelines' first jobs to be running, not so far that they finish.
  world.advance(45_000);
  sim = await startSimulator({ world, pageSize: 4 });

  const me = await fetchSample<{ id: string }>("getCurrentUser", "/me");
  await fetchSample("getUser", `/user/${me.id}`);
  const orgs = await fetchSample<{ id: string }[]>("getCollaborations", "/me/collaborations");
  for (const org of orgs) {
    const contexts = await fetchAllPages<{ id: string }>("listContexts", "/context", { "owner-id": org.id });
    for (const context of contexts) {
      await fetchSample("getContext", `/context/${context.id}`);
      await fetchAllPages("listEnvironmentVariablesFromContext", `/context/${context.id}/environment-variable`);
    }
  }
  for (const org of world.state.orgs.values()) await fetchAllPages("listPipelines", "/pipeline", { "org-slug": org.slug });
  for (const projectSlug of world.state.projects.keys()) {
    await fetchSample("getProjectBySlug", `/project/${projectSlug}`);
    await fetchAllPages("listPipelinesForProject", `/project/${projectSlug}/pipeline`, { branch: "main" });
    for (const pipeline of await fetchAllPages<PipelineWire>("listPipelinesForProject", `/project/${projectSlug}/pipeline`)) {
      await fetchSample("getPipelineById", `/pipeline/${pipeline.id}`);
      await fetchSample("getPipelineByNumber", `/project/${projectSlug}/pipeline/${pipeline.number}`);
      for (const workflow of await fetchAllPages<WorkflowWire>("listWorkflowsByPipelineId", `/pipeline/${pipeline.id}/workflow`)) {
        await fetchSample("getWorkflowById", `/workflow/${workflow.id}`);
        for (const job of await fetchAllPages<WorkflowJobWire>("listWorkflowJobs", `/workflow/${workflow.id}/job`)) {
          if (job.type === "build" && job.job_number !== undefined) {
            await fetchSample("getJobDetails", `/project/${projectSlug}/job/${job.job_number}`);
            await fetchAllPages("getTests", `/project/${projectSlug}/${job.job_number}/tests`);
          }
        }
      }
    }
  }
}, 30_000);

afterAll(async () => {
  await sim.stop();
});

/** Every item of a sample: list pages contribute their items, single resources themselves. */
function itemsOf<T>(operationId: string): T[] {
  return samples
    .filter((s) => s.operationId === operationId)
    .flatMap((s) => (typeof s.body === "object" && s.body !== null && "items" in s.body ? (s.body as { items: T[] }).items : [s.body as T]));
}

describe("simulator answers against openapi-v2.json", () => {
  const operations = [
    "getCurrentUser",
    "getCollaborations",
    "getUser",
    "getProjectBySlug",
    "listPipelinesForProject",
    "getPipelineByNumber",
    "getPipelineById",
    "listWorkflowsByPipelineId",
    "getWorkflowById",
    "listWorkflowJobs",
    "getJobDetails",
    "getTests",
    "listPipelines",
    "listContexts",
    "getContext",
    "listEnvironmentVariablesFromContext",
  ];

  it.each(operations)("%s: every sampled answer validates", (operationId) => {
    const validator = responseValidator(spec, operationId);
    const own = samples.filter((s) => s.operationId === operationId);
    expect(own.length).toBeGreaterThan(0);
    const failures = own.flatMap((s) => validator.validate(s.body).map((e) => `${s.path} ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it("the sample holds the edge cases the deviations and nullable fields are about", () => {
    const pipelines = itemsOf<PipelineWire>("listPipelinesForProject");
    expect(pipelines.some((p) => p.state === "errored" && p.errors.length > 0)).toBe(true);
    expect(pipelines.some((p) => p.trigger.type === "api" && p.vcs !== undefined && p.vcs.commit === undefined)).toBe(true);
    expect(pipelines.some((p) => p.vcs?.tag !== undefined && p.vcs.branch === undefined)).toBe(true);
    const jobs = itemsOf<WorkflowJobWire>("listWorkflowJobs");
    expect(jobs.some((j) => j.type === "approval" && j.status === "on_hold")).toBe(true);
    expect(jobs.some((j) => j.status === "blocked" && j.job_number === undefined && j.started_at == null)).toBe(true);
    const details = itemsOf<JobDetailWire>("getJobDetails");
    expect(details.some((d) => d.status === "running" && d.duration === null)).toBe(true);
    expect(details.some((d) => d.status === "success" && d.duration !== null)).toBe(true);
    expect(itemsOf<{ variable: string }>("listEnvironmentVariablesFromContext").length).toBeGreaterThan(0);
    const tests = itemsOf<{ result: string; message: string | null }>("getTests");
    expect(tests.some((t) => t.result === "failure" && t.message !== null)).toBe(true);
    expect(tests.some((t) => t.result === "success" && t.message === null)).toBe(true);
    expect(itemsOf("listPipelines").length).toBeGreaterThan(0);
  });

  it("would catch a shape error: a pipeline missing a required field does not validate", () => {
    const [pipeline] = itemsOf<PipelineWire>("listPipelinesForProject");
    const { state: _state, ...withoutState } = pipeline as PipelineWire;
    expect(responseValidator(spec, "getPipelineById").validate(withoutState)).not.toEqual([]);
    expect(responseValidator(spec, "getPipelineById").validate({ ...pipeline, number: "7" })).not.toEqual([]);
  });
});
