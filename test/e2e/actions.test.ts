import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import type { WorkflowJobWire, WorkflowWire } from "../../src/simulator/model.js";
import {
  ApproveJobDocument,
  CancelJobDocument,
  CancelWorkflowDocument,
  PipelineByIdDocument,
  RerunWorkflowDocument,
  TriggerPipelineDocument,
} from "../generated/graphql.js";
import { metricsText, sampleValue } from "../metrics/prometheus-text.js";
import { waitFor } from "../server/wait-for.js";
import { runCli, sharedRedisEnv, startServeProcess } from "../support/cli-process.js";
import type { CliRun } from "../support/cli-process.js";
import { subscribeChanges } from "../support/pipeline-subscriber.js";
import type { ChangeSubscriber, ReceivedChange } from "../support/pipeline-subscriber.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { awaitingApproval, failedWorkflow, ghSlug, heldWorkflow, runningBuildJob } from "../simulator/world-fixtures.js";
import type { GraphQLResponse } from "./gateway.js";

/**
 * Every mutation end to end: two built `serve` processes on one Redis over the simulator, neither syncing (one
 * `sync --once` filled the store before), so every change a subscriber hears comes from an action. Each action is
 * sent to A, over HTTP or WebSocket; its effect reaches a subscriber on B and B's next query. Refusals ask CircleCI
 * nothing; a lost answer creates one pipeline and says so; a key sent to both instances at once acts once.
 */
const PREFIX = "e2e-actions:";
const WRITE_KEY = "write-key-e2e-0123456789";
const TRIGGER = "POST /project/{slug}/pipeline";
/** Requests that could change CircleCI: the instances keep syncing meanwhile, so reads are not counted. */
const writesSent = () => Object.entries(sim.counters.byEndpoint()).reduce((sum, [endpoint, n]) => (endpoint.startsWith("GET ") ? sum : sum + n), 0);

interface Instance {
  run: CliRun;
  url: string;
}

let sim: Simulator;
let redis: TestRedis;
let slug: string;
let a: Instance;
let b: Instance;
let subscriber: ChangeSubscriber;
let failed: WorkflowWire;
let approval: { workflow: WorkflowWire; approval: WorkflowJobWire };
let held: { workflow: WorkflowWire; approval: WorkflowJobWire };
let running: WorkflowJobWire;

beforeAll(async () => {
  [sim, redis] = await Promise.all([startSimulator({ world: { seed: 23, projects: 2, pipelinesPerProject: 6, historyDays: 2 } }), startTestRedis()]);
  const { world } = sim;
  slug = ghSlug(world);
  failed = failedWorkflow(world);
  approval = awaitingApproval(world);
  held = heldWorkflow(world);
  running = runningBuildJob(world);
  const env = { ...sharedRedisEnv({ sim, slugs: [...world.state.projects.keys()], redisUrl: redis.url, prefix: PREFIX }), LOG_LEVEL: "info", LOG_FORMAT: "json" };
  expect(await runCli(["sync", "--once"], env).exited).toBe(0);
  [a, b] = await Promise.all(
    ["A", "B"].map(() => startServeProcess({ ...env, SYNC_INTERVAL_SECONDS: "0", GATEWAY_WRITE_KEYS: WRITE_KEY })),
  ) as [Instance, Instance];
  subscriber = subscribeChanges(b.url);
  await waitFor("B's three subscriptions", async () => sampleValue(await metricsText(b.url), "circleci_gateway_active_subscriptions") === 3);
}, 60_000);

afterAll(async () => {
  await subscriber?.dispose();
  for (const { run } of [a, b]) if (run !== undefined && run.child.exitCode === null) run.child.kill("SIGTERM");
  await Promise.all([a, b].map((instance) => instance?.run.exited));
  await sim?.stop();
  await redis?.stop();
});

type Result<TData> = GraphQLResponse<TData>["body"];

async function overHttp<TData, TVariables>(url: string, document: TypedDocumentNode<TData, TVariables>, variables: TVariables, key: string | null = WRITE_KEY) {
  const headers: Record<string, string> = { "content-type": "application/json", ...(key === null ? {} : { authorization: `Bearer ${key}` }) };
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query: print(document), variables }) });
  return { status: response.status, body: (await response.json()) as Result<TData> };
}

function overWebSocket<TData, TVariables>(url: string, document: TypedDocumentNode<TData, TVariables>, variables: TVariables, key: string | null = WRITE_KEY): Promise<Result<TData>> {
  const client = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: key === null ? {} : { Authorization: `Bearer ${key}` },
  });
  return new Promise<Result<TData>>((resolve) => {
    let result: Result<TData> = {};
    client.subscribe<TData>(
      { query: print(document), variables: variables as Record<string, unknown> },
      {
        next: (value) => void (result = value as Result<TData>),
        complete: () => resolve(result),
        error: (error) => resolve({ errors: Array.isArray(error) ? error : [{ message: String(error) }] }),
      },
    );
  }).finally(() => client.dispose());
}

function dataOf<TData>(result: Result<TData>): TData {
  if (result.errors !== undefined || result.data == null) throw new Error(`expected data, got ${JSON.stringify(result)}`);
  return result.data;
}

/** Resolves with B's subscriber's change once it arrives. */
async function heardOnB(match: (change: ReceivedChange) => boolean, what: string): Promise<ReceivedChange> {
  await waitFor(`B's subscriber to hear ${what}`, () => subscriber.received.some(match), 15_000);
  expect(subscriber.errors).toEqual([]);
  return subscriber.received.find(match) as ReceivedChange;
}

describe("each mutation, sent to A, reaches a subscriber on B and B's next query", () => {
  it("triggerPipeline over HTTP: one trigger sent; B hears pipelineCreated and shows the pipeline", async () => {
    const sent = sim.counters.bodies(TRIGGER).length;
    const { status, body } = await overHttp(a.url, TriggerPipelineDocument, { projectSlug: slug, branch: "feature/e2e", parameters: { deploy: true } });
    expect(status).toBe(200);
    const pipeline = dataOf(body).triggerPipeline;
    expect(pipeline).toMatchObject({ projectSlug: slug, state: "PENDING", vcs: { branch: "feature/e2e" } });
    expect(sim.counters.bodies(TRIGGER).slice(sent)).toEqual(['{"branch":"feature/e2e","parameters":{"deploy":true}}']);
    await heardOnB((change) => change.field === "pipelineCreated" && change.id === pipeline.id, "the new pipeline");
    const shown = await overHttp(b.url, PipelineByIdDocument, { id: pipeline.id }, null);
    expect(dataOf(shown.body).pipeline).toMatchObject({ id: pipeline.id, number: pipeline.number, state: "PENDING" });
  });

  it("rerunWorkflow over WebSocket: B hears the NEW workflow, and B's cached answer gives way to it", async () => {
    // B has answered for the pipeline before: its caches hold that answer.
    for (let round = 0; round < 2; round += 1) {
      expect(dataOf((await overHttp(b.url, PipelineByIdDocument, { id: failed.pipeline_id }, null)).body).pipeline?.workflows.map(({ id }) => id)).toContain(failed.id);
    }
    const rerun = dataOf(await overWebSocket(a.url, RerunWorkflowDocument, { id: failed.id, fromFailed: true })).rerunWorkflow;
    expect(rerun).toMatchObject({ name: failed.name, pipelineId: failed.pipeline_id });
    expect(rerun.id).not.toBe(failed.id);
    expect(rerun.jobs.length).toBeGreaterThan(0);
    await heardOnB((change) => change.field === "workflowStatusChanged" && change.id === rerun.id, "the rerun workflow");
    const shown = await overHttp(b.url, PipelineByIdDocument, { id: failed.pipeline_id }, null);
    expect(dataOf(shown.body).pipeline?.workflows.map(({ id }) => id)).toContain(rerun.id);
  });

  it("cancelWorkflow over HTTP: B hears it canceled", async () => {
    const canceled = dataOf((await overHttp(a.url, CancelWorkflowDocument, { id: held.workflow.id })).body).cancelWorkflow;
    expect(canceled).toMatchObject({ id: held.workflow.id, status: "CANCELED", canceledBy: sim.world.me.id });
    await heardOnB((change) => change.field === "workflowStatusChanged" && change.id === held.workflow.id && change.status === "CANCELED", "the cancel");
  });

  it("approveJob over WebSocket: B hears the approval job move on", async () => {
    const approved = dataOf(await overWebSocket(a.url, ApproveJobDocument, { workflowId: approval.workflow.id, jobId: approval.approval.id })).approveJob;
    expect(approved).toMatchObject({ id: approval.approval.id, type: "APPROVAL", approvedBy: sim.world.me.id });
    expect(approved.status).not.toBe("ON_HOLD");
    await heardOnB((change) => change.field === "jobStatusChanged" && change.id === approval.approval.id, "the approval");
  });

  it("cancelJob over HTTP: B hears the job canceled", async () => {
    const canceled = dataOf((await overHttp(a.url, CancelJobDocument, { projectSlug: slug, number: running.job_number as number })).body).cancelJob;
    expect(canceled).toMatchObject({ number: running.job_number, status: "CANCELED" });
    await heardOnB((change) => change.field === "jobStatusChanged" && change.id === running.id && change.status === "CANCELED", "the job's cancel");
  });
});

describe("refusals", () => {
  it("refuses a mutation without a write key over HTTP, WebSocket and the subgraph with FORBIDDEN naming GATEWAY_WRITE_KEYS, calling CircleCI not at all", async () => {
    const calls = writesSent();
    const variables = { projectSlug: slug };
    const forbidden = { errors: [{ message: expect.stringMatching(/GATEWAY_WRITE_KEYS/), extensions: { code: "FORBIDDEN" } }] };
    for (const url of [a.url, a.url.replace(/\/graphql$/, "/subgraph")]) {
      const { status, body } = await overHttp(url, TriggerPipelineDocument, variables, null);
      expect({ status, body }).toEqual({ status: 403, body: forbidden });
    }
    expect(await overWebSocket(a.url, TriggerPipelineDocument, variables, null)).toEqual(forbidden);
    expect((await overHttp(a.url, TriggerPipelineDocument, variables, "not-a-key-0123456789")).status).toBe(401);
    expect(writesSent()).toBe(calls);
    const metrics = await metricsText(a.url);
    expect(sampleValue(metrics, "circleci_gateway_actions_total", { action: "triggerPipeline", outcome: "forbidden" })).toBe(3);
  });

  it("answers BAD_USER_INPUT for what the gateway can tell is wrong, calling CircleCI not at all", async () => {
    const calls = writesSent();
    const both = await overHttp(a.url, TriggerPipelineDocument, { projectSlug: slug, branch: "main", tag: "v1" });
    expect(both.body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/a `branch` or a `tag`, not both/), extensions: { code: "BAD_USER_INPUT" } })]);
    const build = await overHttp(a.url, ApproveJobDocument, { workflowId: held.workflow.id, jobId: running.id });
    expect(build.body.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
    expect(writesSent()).toBe(calls);
  });

  it("carries CircleCI's own message in a CIRCLECI_ERROR", async () => {
    const { workflow } = heldWorkflow(sim.world);
    const { body } = await overHttp(a.url, RerunWorkflowDocument, { id: workflow.id });
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/CircleCI said "Workflow must be in a terminal state to be rerun"/),
      extensions: { code: "CIRCLECI_ERROR", circleci: { status: 400, message: "Workflow must be in a terminal state to be rerun" } },
    });
  });
});

describe("never twice", () => {
  it("creates one pipeline when the answer is lost after CircleCI acted, says the outcome is unknown, and sends nothing for a retry", async () => {
    const before = sim.world.state.pipelinesByProject.get(slug)?.length ?? 0;
    const sent = sim.counters.bodies(TRIGGER).length;
    sim.inject({ kind: "lost-answer", endpoint: TRIGGER });
    const variables = { projectSlug: slug, branch: "lost", idempotencyKey: "e2e-lost-answer" };
    const lost = await overHttp(a.url, TriggerPipelineDocument, variables);
    expect(lost.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Whether CircleCI did this is unknown/), extensions: { code: "CIRCLECI_OUTCOME_UNKNOWN" } });
    const retried = await overHttp(b.url, TriggerPipelineDocument, variables);
    expect(retried.body.errors?.[0]).toMatchObject({ extensions: { code: "CIRCLECI_OUTCOME_UNKNOWN" } });
    expect(sim.counters.bodies(TRIGGER).length - sent).toBe(1);
    expect(sim.world.state.pipelinesByProject.get(slug)?.length).toBe(before + 1);
  });

  it("acts once for one idempotency key sent to both instances at once, both answering its pipeline", async () => {
    const sent = sim.counters.bodies(TRIGGER).length;
    const variables = { projectSlug: slug, branch: "twice", idempotencyKey: "e2e-both-instances" };
    sim.setLatency(300);
    try {
      const answers = await Promise.all([a, b].map(({ url }) => overHttp(url, TriggerPipelineDocument, variables)));
      const ids = answers.map(({ body }) => dataOf(body).triggerPipeline.id);
      expect(new Set(ids).size).toBe(1);
    } finally {
      sim.setLatency(0);
    }
    expect(sim.counters.bodies(TRIGGER).length - sent).toBe(1);
    const counted = await Promise.all([a, b].map(async ({ url }) => {
      const text = await metricsText(url);
      return ["ok", "replayed"].map((outcome) => sampleValue(text, "circleci_gateway_actions_total", { action: "triggerPipeline", outcome }) ?? 0);
    }));
    expect(counted.reduce((sum, [, replayed]) => sum + (replayed as number), 0)).toBeGreaterThanOrEqual(1);
  });
});

describe("the audit log", () => {
  it("has one line per action with the caller's key digest, the arguments, CircleCI's answer and the duration, never the key", async () => {
    const lines = a.run.stdout().split("\n").filter((line) => line.includes('"component":"actions"')).map((line) => JSON.parse(line) as Record<string, unknown>);
    const trigger = lines.find((line) => line.action === "triggerPipeline" && line.outcome === "ok");
    expect(trigger).toMatchObject({
      caller: expect.stringMatching(/^key sha256:[0-9a-f]{8}$/),
      args: { projectSlug: slug, branch: "feature/e2e", parameterNames: ["deploy"] },
      circleci: { pipelineId: expect.any(String), number: expect.any(Number), state: "pending" },
      durationMs: expect.any(Number),
    });
    expect(lines.map((line) => line.action)).toEqual(expect.arrayContaining(["rerunWorkflow", "cancelWorkflow", "approveJob", "cancelJob"]));
    expect(a.run.stdout() + a.run.stderr()).not.toContain(WRITE_KEY);
  });
});
