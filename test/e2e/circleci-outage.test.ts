import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { DashboardDocument } from "../generated/graphql.js";
import type { DashboardQuery } from "../generated/graphql.js";
import { answerOf } from "../support/answer.js";
import { endOutage, OUTAGE_TIMEOUTS, outages } from "../support/outages.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { dataOf, execute, firstSyncCycle, postBody, startGateway } from "./gateway.js";
import type { Gateway, GraphQLResponse } from "./gateway.js";

/**
 * CircleCI down, slow or answering garbage while `serve` runs on a warm store: what the store holds
 * keeps being served, a field that needs CircleCI fails alone with a clear error, the circuit breaker
 * stops calls, and everything comes back once CircleCI does.
 */
const THRESHOLD = 2;
const COOLDOWN_MS = 400;

let sim: Simulator;
let redis: TestRedis;
let gateway: Gateway;
let synced: string;
/** Projects the gateway does not sync, one per outage: reading one needs CircleCI. */
let unsynced: string[];
let warmDashboard: DashboardQuery;

beforeAll(async () => {
  [sim, redis] = await Promise.all([
    startSimulator({ world: { seed: 41, projects: 1 + outages.length, pipelinesPerProject: 8, historyDays: 2 } }),
    startTestRedis(),
  ]);
  [synced, ...unsynced] = [...sim.world.state.projects.keys()] as [string, ...string[]];
  gateway = await startGateway({
    sim,
    redisUrl: redis.url,
    redisPrefix: "e2e-outage:",
    projectSlugs: [synced],
    syncIntervalSeconds: 3600,
    // One attempt per request keeps "slow" quick; the client tests cover retries before the breaker counts a failure.
    client: { retry: { maxAttempts: 1 }, timeouts: OUTAGE_TIMEOUTS, breaker: { failureThreshold: THRESHOLD, cooldownMs: COOLDOWN_MS } },
  });
  await firstSyncCycle(gateway);
  warmDashboard = await dataOf(gateway.url, DashboardDocument, { projectSlug: synced, first: 8 });
});

afterAll(async () => {
  await gateway?.stop();
  await sim?.stop();
  await redis?.stop();
});

/** A store-served page and one project only CircleCI has, in one query. */
const MIXED = `query ($synced: String!, $other: String!) {
  pipelines(projectSlug: $synced, first: 8) { nodes { id number workflows { id status jobs { id status details { number status } } } } }
  project(slug: $other) { slug name }
}`;

interface Mixed {
  pipelines: { nodes: { id: string }[] };
  project: { slug: string; name: string } | null;
}

async function mixed(other: string): Promise<{ response: GraphQLResponse<Mixed>; calls: number }> {
  const before = sim.counters.total();
  const response = await postBody<Mixed>(gateway.url, { query: MIXED, variables: { synced, other } });
  return { response, calls: sim.counters.total() - before };
}

/** The page as the warm dashboard saw it, in the mixed query's shape. */
function warmPage(): Mixed["pipelines"] {
  return {
    nodes: warmDashboard.pipelines.nodes.map((pipeline) => ({
      id: pipeline.id,
      number: pipeline.number,
      workflows: pipeline.workflows.map((workflow) => ({
        id: workflow.id,
        status: workflow.status,
        jobs: workflow.jobs.map((job) => ({
          id: job.id,
          status: job.status,
          details: job.details === null || job.details === undefined ? null : { number: job.details.number, status: job.details.status },
        })),
      })),
    })),
  };
}

describe.each(outages.map((outage, index) => ({ ...outage, index })))("CircleCI $name", (outage) => {
  it("the store keeps serving, the field needing CircleCI fails alone, the breaker stops calls, and all recovers", async () => {
    const other = unsynced[outage.index] as string;
    outage.start(sim);
    try {
      const before = sim.counters.total();
      const dashboard = await execute(gateway.url, DashboardDocument, { projectSlug: synced, first: 8 });
      expect(dashboard).toEqual({ status: 200, body: answerOf(warmDashboard) });
      expect(sim.counters.total()).toBe(before);

      for (let i = 0; i < THRESHOLD; i++) {
        const { response, calls } = await mixed(other);
        expect(response.status).toBe(200);
        expect(response.body.data).toEqual({ pipelines: warmPage(), project: null });
        expect(response.body.errors).toHaveLength(1);
        expect(response.body.errors?.[0]).toMatchObject({ path: ["project"], message: expect.stringMatching(outage.says), extensions: { code: "CIRCLECI_ERROR" } });
        expect(calls).toBe(1);
      }
      expect(gateway.client.stats.breaker).toMatchObject({ state: "open" });

      const { response, calls } = await mixed(other);
      expect(calls).toBe(0);
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({ pipelines: warmPage(), project: null });
      expect(response.body.errors).toHaveLength(1);
      expect(response.body.errors?.[0]).toMatchObject({ path: ["project"], extensions: { code: "CIRCLECI_UNAVAILABLE" } });
      expect(response.body.errors?.[0]?.message).toMatch(
        new RegExp(`^CircleCI is unavailable: it failed ${THRESHOLD} requests in a row \\(last: GET /project/\\{slug\\}: .+\\), so GET /project/\\{slug\\} was not sent; calls to it are paused`),
      );
      expect(JSON.stringify(response.body)).not.toContain(sim.token);
      expect((await fetch(new URL("/healthz", gateway.url))).status).toBe(200);
    } finally {
      endOutage(sim);
    }

    await sleep(COOLDOWN_MS + 20);
    const { response, calls } = await mixed(other);
    expect(response).toEqual({ status: 200, body: answerOf({ pipelines: warmPage(), project: { slug: other, name: sim.world.state.projects.get(other)?.name } }) });
    expect(calls).toBe(1);
    expect(gateway.client.stats.breaker).toMatchObject({ state: "closed", consecutiveFailures: 0 });
  });
});
