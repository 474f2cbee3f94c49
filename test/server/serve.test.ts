import { createClient } from "graphql-ws";
import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import type { Pipeline, Workflow, WorkflowJob } from "../../src/circleci/index.js";
import { RedisEventBus, RedisLeaderLock } from "../../src/store/index.js";
import type { ChangeEvent } from "../../src/store/index.js";
import { runCli, sharedRedisEnv } from "../support/cli-process.js";
import type { CliRun } from "../support/cli-process.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { waitFor } from "./wait-for.js";

/**
 * The built `serve` command (`npm test` builds first), two instances on one Redis: A syncs the simulator every
 * second, B (`SYNC_INTERVAL_SECONDS=0`) only serves. Running dist/ catches the ESM import-order bugs Vitest hides.
 */
const PREFIX = "serve-e2e:";
const CYCLE_DONE = /^sync cycle done: \d+ records/;
let sim: Simulator;
let redis: TestRedis;
let slugs: string[];
const processes: CliRun[] = [];
const clients: Client[] = [];

interface Instance {
  run: CliRun;
  url: string;
  origin: string;
}

beforeAll(async () => {
  [sim, redis] = await Promise.all([
    startSimulator({ world: { seed: 11, projects: 2, pipelinesPerProject: 6, historyDays: 3 } }),
    startTestRedis(),
  ]);
  slugs = [...sim.world.state.projects.keys()];
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  for (const run of processes) if (run.child.exitCode === null) run.child.kill("SIGKILL");
  await sim?.stop();
  await redis?.stop();
});

async function serve(syncIntervalSeconds: number): Promise<Instance> {
  const run = runCli(["serve"], {
    ...sharedRedisEnv({ sim, slugs, redisUrl: redis.url, prefix: PREFIX }),
    PORT: "0",
    SYNC_INTERVAL_SECONDS: String(syncIntervalSeconds),
    LOG_LEVEL: "silent",
  });
  processes.push(run);
  const [, url] = (await run.waitForLine(/^GraphQL: (http:\/\/\S+\/graphql) /, 30_000)) as [string, string];
  return { run, url, origin: new URL(url).origin };
}

async function query<T>(instance: Instance, document: string): Promise<T> {
  const response = await fetch(instance.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: document }) });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data as T;
}

async function readyz(instance: Instance): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${instance.origin}/readyz`);
  return { status: response.status, body: await response.json() };
}

/** CircleCI's value as the schema's enum: upper-cased, `-` as `_`. */
const enumOf = (value: string) => value.toUpperCase().replaceAll("-", "_");

const DASHBOARD = `{
  projects {
    slug name
    pipelines(first: 100) { nodes { id number state workflows { id name status jobs { id name status } } } }
  }
}`;

interface Dashboard {
  projects: {
    slug: string;
    name: string;
    pipelines: { nodes: { id: string; number: number; state: string; workflows: { id: string; name: string; status: string; jobs: { id: string; name: string; status: string }[] }[] }[] };
  }[];
}

/**
 * The dashboard as the simulator holds it: every project's pipelines newest first, with workflows (by id: workflows
 * created at the same instant have no order of their own) and jobs.
 */
function dashboardOfSimulator(): Dashboard {
  const state = sim.world.state;
  return {
    projects: slugs.map((slug) => ({
      slug,
      name: state.projects.get(slug)?.name as string,
      pipelines: {
        nodes: (state.pipelinesByProject.get(slug) ?? []).map((pipelineId) => {
          const pipeline = state.pipelines.get(pipelineId);
          return {
            id: pipelineId,
            number: pipeline?.number as number,
            state: enumOf(pipeline?.state as string),
            workflows: [...(state.workflowsByPipeline.get(pipelineId) ?? [])].sort().map((workflowId) => {
              const workflow = state.workflows.get(workflowId);
              return {
                id: workflowId,
                name: workflow?.name as string,
                status: enumOf(workflow?.status as string),
                jobs: (state.jobsByWorkflow.get(workflowId) ?? []).map((job) => ({ id: job.id, name: job.name, status: enumOf(job.status) })),
              };
            }),
          };
        }),
      },
    })),
  };
}

function withWorkflowsById(dashboard: Dashboard): Dashboard {
  for (const project of dashboard.projects) {
    for (const pipeline of project.pipelines.nodes) pipeline.workflows.sort((a, b) => (a.id < b.id ? -1 : 1));
  }
  return dashboard;
}

/** Every `data` value of one subscription field, in arrival order. */
function watch<T>(client: Client, query: string): T[] {
  const received: T[] = [];
  client.subscribe<Record<string, T>>(
    { query },
    {
      next: (result) => void received.push(...Object.values(result.data ?? {})),
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return received;
}

describe("circleci-gateway serve (built CLI, two instances on one Redis)", () => {
  let syncing: Instance;
  let serving: Instance;

  it("readyz is 503 until a first sync cycle completed, then 200 on every instance", async () => {
    serving = await serve(0);
    await serving.run.waitForLine(/^sync: off \(SYNC_INTERVAL_SECONDS=0\)/);
    const health = await fetch(`${serving.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await readyz(serving)).toEqual({ status: 503, body: { status: "not ready", reason: "no sync cycle has completed yet" } });

    syncing = await serve(1);
    await syncing.run.waitForLine(CYCLE_DONE, 30_000);
    expect(await readyz(syncing)).toEqual({ status: 200, body: { status: "ready" } });
    expect(await readyz(serving)).toEqual({ status: 200, body: { status: "ready" } });
  }, 60_000);

  it("answers a dashboard query with what the simulator holds, on both instances", async () => {
    const expected = dashboardOfSimulator();
    expect(expected.projects.every((project) => project.pipelines.nodes.length > 0)).toBe(true);
    expect(withWorkflowsById(await query<Dashboard>(syncing, DASHBOARD))).toEqual(expected);
    expect(withWorkflowsById(await query<Dashboard>(serving, DASHBOARD))).toEqual(expected);
  });

  it("pushes pipelineCreated, workflowStatusChanged and jobStatusChanged to a subscriber of the instance that does not sync", async () => {
    const [slug] = slugs as [string];
    const client = createClient({ url: serving.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
    clients.push(client);
    const pipelines = watch<{ id: string; number: number; projectSlug: string }>(
      client,
      `subscription { pipelineCreated(projectSlug: "${slug}") { id number projectSlug } }`,
    );
    const workflows = watch<{ id: string; pipelineId: string; status: string }>(
      client,
      `subscription { workflowStatusChanged(projectSlug: "${slug}") { id pipelineId status } }`,
    );
    const jobs = watch<{ id: string; status: string }>(client, `subscription { jobStatusChanged(projectSlug: "${slug}") { id status } }`);

    // The subscriptions are live once probe events sent through the bus reach them (STACK.md pitfall 6).
    const state = sim.world.state;
    const probePipeline = state.pipelines.get(state.pipelinesByProject.get(slug)?.[0] as string);
    const probeWorkflow = state.workflows.get(state.workflowsByPipeline.get(probePipeline?.id as string)?.[0] as string);
    const probeJob = state.jobsByWorkflow.get(probeWorkflow?.id as string)?.[0];
    const probes: ChangeEvent[] = [
      { type: "pipeline.created", projectSlug: slug, pipeline: probePipeline as Pipeline },
      { type: "workflow.status_changed", projectSlug: slug, workflow: probeWorkflow as Workflow, previousStatus: null },
      { type: "job.status_changed", projectSlug: slug, workflowId: probeWorkflow?.id as string, job: probeJob as WorkflowJob, previousStatus: null },
    ];
    const bus = RedisEventBus.connect(redis.url, { prefix: PREFIX });
    try {
      await waitFor("every subscription to hear a probe event", async () => {
        await bus.publish(probes);
        await new Promise((resolve) => setTimeout(resolve, 50));
        return [pipelines, workflows, jobs].every((received) => received.length > 0);
      });
    } finally {
      await bus.close();
    }
    expect([pipelines[0]?.id, workflows[0]?.id, jobs[0]?.id]).toEqual([probePipeline?.id, probeWorkflow?.id, probeJob?.id]);

    const created = sim.world.triggerPipeline(slug);
    const newWorkflowIds = state.workflowsByPipeline.get(created.id) ?? [];
    const newJobIds = new Set(newWorkflowIds.flatMap((workflowId) => (state.jobsByWorkflow.get(workflowId) ?? []).map((job) => job.id)));
    expect(newWorkflowIds.length).toBeGreaterThan(0);
    await waitFor("the changes of the new pipeline", () => {
      const workflowsSeen = new Set(workflows.filter((workflow) => workflow.pipelineId === created.id).map((workflow) => workflow.id));
      const jobsSeen = new Set(jobs.filter((job) => newJobIds.has(job.id)).map((job) => job.id));
      return pipelines.some((pipeline) => pipeline.id === created.id) && workflowsSeen.size === newWorkflowIds.length && jobsSeen.size === newJobIds.size;
    }, 15_000);
    expect(pipelines.filter((pipeline) => pipeline.id === created.id)).toEqual([{ id: created.id, number: created.number, projectSlug: slug }]);
    for (const workflowId of newWorkflowIds) {
      const status = enumOf(state.workflows.get(workflowId)?.status as string);
      expect(workflows.filter((workflow) => workflow.id === workflowId)).toContainEqual({ id: workflowId, pipelineId: created.id, status });
    }
  }, 30_000);

  it("exits 0 on SIGTERM, with a WebSocket client still connected, and hands the sync lease back", async () => {
    serving.run.child.kill("SIGTERM");
    syncing.run.child.kill("SIGTERM");
    expect(await serving.run.exited).toBe(0);
    expect(await syncing.run.exited).toBe(0);

    // Released, not expired: a newcomer gets the lease at once, whatever its TTL.
    const newcomer = RedisLeaderLock.connect(redis.url, { prefix: PREFIX, ttlMs: 60_000 });
    try {
      expect(await newcomer.acquire()).toBe(true);
    } finally {
      await newcomer.close();
    }
  }, 30_000);
});

describe("circleci-gateway with no command (built CLI)", () => {
  it("runs serve: with flags only too, and it names what serve is missing", async () => {
    for (const args of [[], ["--port", "0"]]) {
      const run = runCli(args);
      processes.push(run);
      expect(await run.exited).toBe(2);
      expect(run.stderr()).toMatch(/^Missing CIRCLECI_TOKEN \(--circleci-token\): serve needs it/);
    }
  });
});
