import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BadRequestError,
  CircleCIClient,
  CircleCIUnavailableError,
  NetworkError,
  NotFoundError,
  OutcomeUnknownError,
  PermissionError,
  PipelineNotCreatedError,
  ProjectNotFoundError,
} from "../../src/circleci/index.js";
import type { CircleCIClientOptions, RequestEvent } from "../../src/circleci/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { ScriptedFault, Simulator } from "../../src/simulator/index.js";
import { TRIGGER_SETUP_MS } from "../../src/simulator/routes-actions.js";
import { createWorld } from "../../src/simulator/world.js";
import type { World } from "../../src/simulator/world.js";
import { simulatorClient } from "../support/simulator-client.js";
import { sendJson, TOKEN, useFakeCircleCI } from "./support/fake-circleci.js";
import { awaitingApproval, failedWorkflow, ghSlug, heldWorkflow, jobsOf, runningBuildJob } from "../simulator/world-fixtures.js";

/**
 * The client's write methods against the simulator over loopback. The proof of "never twice" is on the
 * simulator's side: how many requests reached it, and what the world holds afterwards.
 */

const NOW = Date.parse("2025-06-01T12:00:00.000Z");
const TRIGGER = "POST /project/{slug}/pipeline";
const FAST_RETRY = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const WRITE_TOKEN = "CCIPAT_write_token";
const fakeCircleCI = useFakeCircleCI({ retry: FAST_RETRY });

let world: World;
let sim: Simulator | undefined;
let client: CircleCIClient | undefined;

beforeEach(() => {
  world = createWorld({ seed: 5, now: NOW, projects: 3, pipelinesPerProject: 4, historyDays: 1 });
});

afterEach(async () => {
  await client?.close();
  await sim?.stop();
  client = undefined;
  sim = undefined;
});

async function setUp(options: Partial<CircleCIClientOptions> = {}): Promise<{ sim: Simulator; client: CircleCIClient }> {
  sim = await startSimulator({ world });
  client = simulatorClient(sim, { retry: FAST_RETRY, ...options });
  return { sim, client };
}

const circleciSlug = () => [...world.state.projects.keys()].find((slug) => slug.startsWith("circleci/")) as string;
const pipelineCount = () => world.state.pipelines.size;

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

describe("each write succeeds", () => {
  it("triggerPipeline answers the pipeline at once, pending; its workflows appear a moment later", async () => {
    const { sim, client } = await setUp();
    const slug = ghSlug(world);
    const created = await client.triggerPipeline(slug, { branch: "feature/x", parameters: { deploy: true } });
    expect(created).toMatchObject({ state: "pending", number: expect.any(Number) });
    expect(world.state.pipelinesByProject.get(slug)?.[0]).toBe(created.id);
    expect((await client.getPipeline(created.id)).vcs?.branch).toBe("feature/x");
    expect(await collect(client.listWorkflows(created.id))).toEqual([]);
    world.advance(TRIGGER_SETUP_MS);
    expect((await collect(client.listWorkflows(created.id))).length).toBeGreaterThan(0);
    expect(sim.counters.bodies(TRIGGER)).toEqual(['{"branch":"feature/x","parameters":{"deploy":true}}']);
    expect(client.stats.requests[TRIGGER]).toEqual({ "201": 1 });
  });

  it("triggerPipeline sends a GitHub App project through pipeline/run, runPipeline takes a definition and refs", async () => {
    const { sim, client } = await setUp();
    const slug = circleciSlug();
    const tagged = await client.triggerPipeline(slug, { tag: "v1.0.0" });
    expect(world.state.pipelines.get(tagged.id)?.vcs?.tag).toBe("v1.0.0");
    const defaulted = await client.triggerPipeline(slug);
    expect(world.state.pipelines.get(defaulted.id)?.vcs?.branch).toBe(world.state.projects.get(slug)?.vcs_info.default_branch);
    const run = await client.runPipeline(slug, { definitionId: "2338d0ae-5541-4bbf-88a2-55e9f7281f80", config: { branch: "main" }, checkout: { branch: "fix" } });
    expect(world.state.pipelines.get(run.id)?.vcs?.branch).toBe("fix");
    expect(sim.counters.byEndpoint()[TRIGGER]).toBeUndefined();
    expect(sim.counters.bodies("POST /project/{slug}/pipeline/run")).toEqual([
      '{"config":{"tag":"v1.0.0"},"checkout":{"tag":"v1.0.0"}}',
      "{}",
      '{"definition_id":"2338d0ae-5541-4bbf-88a2-55e9f7281f80","config":{"branch":"main"},"checkout":{"branch":"fix"}}',
    ]);
  });

  it("rerunWorkflow answers the new workflow's id; cancelWorkflow, approveJob, cancelJob and cancelJobById are accepted", async () => {
    const { client } = await setUp();
    const failed = failedWorkflow(world);
    const { workflow_id: rerunId } = await client.rerunWorkflow(failed.id, { fromFailed: true });
    expect(await client.getWorkflow(rerunId)).toMatchObject({ name: failed.name, pipeline_id: failed.pipeline_id });

    const held = awaitingApproval(world);
    expect(await client.approveJob(held.workflow.id, held.approval.approval_request_id as string)).toEqual({ message: "Accepted." });
    const approval = (await collect(client.listWorkflowJobs(held.workflow.id))).find((job) => job.id === held.approval.id);
    expect(approval?.status).toBe("success");
    expect(await client.cancelWorkflow(held.workflow.id)).toEqual({ message: "Accepted." });
    expect((await client.getWorkflow(held.workflow.id)).status).toBe("canceled");

    const slug = ghSlug(world);
    const byNumber = runningBuildJob(world);
    expect(await client.cancelJob(slug, byNumber.job_number as number)).toEqual({ message: "Accepted." });
    expect((await client.getJobDetails(slug, byNumber.job_number as number)).status).toBe("canceled");
    const byId = runningBuildJob(world);
    expect(await client.cancelJobById(byId.id)).toEqual({ message: "Accepted." });
    expect(byId.status).toBe("canceled");
    expect(client.stats.retries).toBe(0);
  });
});

describe("CircleCI's refusals become the usual errors, carrying its message, sent once", () => {
  it("a bad body, an unknown project, a running workflow, a job not on hold, unknown ids", async () => {
    const { sim, client } = await setUp();
    const slug = ghSlug(world);
    const before = pipelineCount();
    const both = await failure(client.triggerPipeline(slug, { branch: "main", tag: "v1" }));
    expect(both).toBeInstanceOf(BadRequestError);
    expect(both).toMatchObject({ status: 400, upstreamMessage: "Invalid input", endpoint: TRIGGER, code: "CIRCLECI_ERROR" });
    expect(await failure(client.triggerPipeline("gh/nobody/nothing"))).toBeInstanceOf(ProjectNotFoundError);
    expect(pipelineCount()).toBe(before);

    const held = awaitingApproval(world);
    const running = await failure(client.rerunWorkflow(held.workflow.id));
    expect(running).toBeInstanceOf(BadRequestError);
    expect((running as Error).message).toContain('CircleCI said "Workflow must be in a terminal state to be rerun"');
    const notHeld = jobsOf(world, held.workflow.id).find((job) => job.type === "build") as { id: string };
    expect(await failure(client.approveJob(held.workflow.id, notHeld.id))).toBeInstanceOf(NotFoundError);
    await client.approveJob(held.workflow.id, held.approval.id);
    expect(await failure(client.approveJob(held.workflow.id, held.approval.id))).toMatchObject({ status: 400, upstreamMessage: "Job is not on hold." });
    expect(await failure(client.cancelWorkflow("00000000-0000-4000-8000-000000000000"))).toBeInstanceOf(NotFoundError);
    const unknownJob = await failure(client.cancelJob(slug, 999_999));
    expect(unknownJob).toBeInstanceOf(NotFoundError);
    expect((unknownJob as Error).message).toContain("job 999999 in project");

    expect(client.stats.retries).toBe(0);
    expect(Object.values(sim.counters.byEndpoint()).reduce((sum, n) => sum + n, 0)).toBe(sim.counters.total());
    expect(sim.counters.byStatus()["400"]).toBe(3);
  });

  it("a token without write access gets PermissionError with CircleCI's message, and reads still work", async () => {
    sim = await startSimulator({ world });
    client = simulatorClient(sim, { token: sim.readOnlyToken, retry: FAST_RETRY });
    const slug = ghSlug(world);
    expect((await client.getProject(slug)).slug).toBe(slug);
    const denied = await failure(client.triggerPipeline(slug, { branch: "main" }));
    expect(denied).toBeInstanceOf(PermissionError);
    expect((denied as PermissionError).message).toContain('CircleCI said "Permission denied"');
    expect((denied as PermissionError).fix).toContain("write access");
    expect(sim.counters.byEndpoint()[TRIGGER]).toBe(1);
  });
});

describe("never twice", () => {
  it.each<[string, Omit<ScriptedFault, "endpoint">, number, Partial<CircleCIClientOptions>]>([
    ["an answer lost after the pipeline was created", { kind: "lost-answer" }, 1, {}],
    ["a body cut off after the pipeline was created", { kind: "truncate" }, 1, {}],
    ["a proxy's page after the pipeline was created", { kind: "garbage" }, 1, {}],
    // undici checks body timeouts about once a second: chunks 2 s apart stall it for sure.
    ["an answer that stalls past the body timeout", { kind: "slow", slowMs: 20_000 }, 1, { timeouts: { bodyMs: 100 } }],
    ["a connection reset before CircleCI acted", { kind: "reset" }, 0, {}],
    ["a 500", { kind: "500" }, 0, {}],
  ])("%s: one request, the unknown outcome reported, no retry", async (_name, fault, created, options) => {
    const { sim, client } = await setUp(options);
    const before = pipelineCount();
    sim.inject({ ...fault, endpoint: TRIGGER });
    const error = await failure(client.triggerPipeline(ghSlug(world), { branch: "main" }));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error).toMatchObject({ code: "CIRCLECI_OUTCOME_UNKNOWN", endpoint: TRIGGER });
    expect((error as Error).message).toMatch(/^Whether CircleCI did this is unknown: trigger a pipeline in gh\//);
    expect((error as OutcomeUnknownError).fix).toMatch(/^Check the newest pipelines of gh\/\S+ in CircleCI before trying again\.$/);
    expect(sim.counters.byEndpoint()[TRIGGER]).toBe(1);
    expect(pipelineCount()).toBe(before + created);
    expect(client.stats.retries).toBe(0);
  });

  it("the lost answer of an accepted action is reported as unknown, never repeated", async () => {
    const { sim, client } = await setUp();
    const { workflow } = heldWorkflow(world);
    sim.inject({ kind: "lost-answer", endpoint: "POST /workflow/{id}/cancel" });
    const error = await failure(client.cancelWorkflow(workflow.id));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as Error).message).toContain(`cancel workflow ${workflow.id}`);
    expect(workflow.status).toBe("canceled");
    expect(sim.counters.byEndpoint()["POST /workflow/{id}/cancel"]).toBe(1);
  });

  it("a 429 before CircleCI took the trigger is retried after Retry-After, through the shared gate, and creates exactly one", async () => {
    const { sim, client } = await setUp();
    const before = pipelineCount();
    sim.inject({ kind: "429", endpoint: TRIGGER, retryAfterSeconds: 1 });
    const started = Date.now();
    const created = await client.triggerPipeline(ghSlug(world));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(pipelineCount()).toBe(before + 1);
    expect(world.state.pipelines.has(created.id)).toBe(true);
    expect(sim.counters.byEndpoint()[TRIGGER]).toBe(2);
    expect(sim.counters.byStatus()).toEqual({ "429": 1, "201": 1 });
    expect(client.stats.rateLimitWaits.count).toBe(1);
    expect(client.stats.retries).toBe(1);
  });

  it("a connection that never opened is retried: the trigger goes out once CircleCI listens, and creates one", async () => {
    const port = await freePort();
    const events: RequestEvent[] = [];
    let starting: Promise<Simulator> | undefined;
    client = new CircleCIClient({
      token: WRITE_TOKEN,
      baseUrl: `http://127.0.0.1:${port}`,
      retry: { maxAttempts: 10, baseDelayMs: 20, maxDelayMs: 200 },
      onRequest: (event) => {
        events.push(event);
        starting ??= startSimulator({ world, port, tokens: [WRITE_TOKEN] });
      },
    });
    const before = pipelineCount();
    const created = await client.triggerPipeline(ghSlug(world));
    sim = await starting;
    expect(events[0]?.status).toBe("error");
    expect(events.at(-1)?.status).toBe(201);
    expect(pipelineCount()).toBe(before + 1);
    expect(world.state.pipelines.has(created.id)).toBe(true);
    expect(sim?.counters.byEndpoint()[TRIGGER]).toBe(1);
  });

  it("with nothing listening it gives up after its attempts with NetworkError: CircleCI never saw it", async () => {
    client = new CircleCIClient({ token: WRITE_TOKEN, baseUrl: `http://127.0.0.1:${await freePort()}`, retry: FAST_RETRY });
    const error = await failure(client.cancelWorkflow("00000000-0000-4000-8000-000000000000"));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(client.stats.retries).toBe(FAST_RETRY.maxAttempts - 1);
  });

  it("an unknown outcome counts against the breaker, which then keeps writes from going out", async () => {
    const { sim, client } = await setUp({ breaker: { failureThreshold: 1, cooldownMs: 60_000 } });
    sim.inject({ kind: "503", endpoint: TRIGGER });
    expect(await failure(client.triggerPipeline(ghSlug(world)))).toBeInstanceOf(OutcomeUnknownError);
    expect(client.stats.breaker.state).toBe("open");
    expect(await failure(client.triggerPipeline(ghSlug(world)))).toBeInstanceOf(CircleCIUnavailableError);
    expect(sim.counters.byEndpoint()[TRIGGER]).toBe(1);
  });

  it("reads keep their retries: the same 500 on a read is retried and answered", async () => {
    const { sim, client } = await setUp();
    const [pipelineId] = world.state.pipelinesByProject.get(ghSlug(world)) as [string];
    sim.inject({ kind: "500", endpoint: "GET /pipeline/{id}" });
    expect((await client.getPipeline(pipelineId)).id).toBe(pipelineId);
    expect(sim.counters.byEndpoint()["GET /pipeline/{id}"]).toBe(2);
    expect(client.stats.retries).toBe(1);
  });
});

describe("answers only a scripted CircleCI gives", () => {
  it("sends the body as JSON with the token, and actions without options with no body at all", async () => {
    const seen: { method?: string; type?: string; token?: string; body: string }[] = [];
    const { client } = await fakeCircleCI(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += String(chunk);
      seen.push({ method: req.method, type: req.headers["content-type"], token: req.headers["circle-token"] as string, body });
      if (req.url?.endsWith("/rerun")) sendJson(res, 202, { workflow_id: "00000000-0000-4000-8000-000000000001" });
      else sendJson(res, 202, { message: "Accepted." });
    });
    await client.rerunWorkflow("w1", { jobIds: ["j1"], enableSsh: true });
    await client.cancelWorkflow("w1");
    expect(seen).toEqual([
      { method: "POST", type: "application/json", token: TOKEN, body: '{"jobs":["j1"],"enable_ssh":true}' },
      { method: "POST", type: undefined, token: TOKEN, body: "" },
    ]);
  });

  it("a pipeline/run answer without a pipeline is PipelineNotCreatedError with CircleCI's reason", async () => {
    const { server, client } = await fakeCircleCI((_req, res) => sendJson(res, 200, { message: "Ignoring pipeline due to CI skip in the commit" }));
    const error = await failure(client.triggerPipeline("circleci/abc/def", { branch: "main" }));
    expect(error).toBeInstanceOf(PipelineNotCreatedError);
    expect(error).toMatchObject({ code: "CIRCLECI_PIPELINE_NOT_CREATED", upstreamMessage: "Ignoring pipeline due to CI skip in the commit" });
    expect((error as Error).message).toContain("trigger a pipeline in circleci/abc/def");
    expect(server.requests).toHaveLength(1);
  });

  it("no answer within the headers timeout, or a 201 that is not a pipeline: unknown, sent once", async () => {
    const silent = await fakeCircleCI(() => {}, { timeouts: { headersMs: 150 } });
    const timedOut = await failure(silent.client.approveJob("w1", "a1"));
    expect(timedOut).toBeInstanceOf(OutcomeUnknownError);
    expect((timedOut as Error).message).toContain("no answer came back (UND_ERR_HEADERS_TIMEOUT");
    expect(silent.server.requests).toHaveLength(1);
    await silent.client.close();
    await silent.server.close();

    const odd = await fakeCircleCI((_req, res) => sendJson(res, 201, { id: "not-a-uuid" }));
    const unreadable = await failure(odd.client.triggerPipeline("gh/acme/api"));
    expect(unreadable).toBeInstanceOf(OutcomeUnknownError);
    expect(unreadable).toMatchObject({ status: 201 });
    expect((unreadable as Error).message).toContain("its 201 answer could not be read");
    expect(odd.server.requests).toHaveLength(1);
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** A loopback port nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

