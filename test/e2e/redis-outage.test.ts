import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { DashboardDocument } from "../generated/graphql.js";
import { subscribePipelineCreated } from "../support/pipeline-subscriber.js";
import type { PipelineSubscriber } from "../support/pipeline-subscriber.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { compareStoreWithTruth } from "../support/truth.js";
import { waitFor } from "../server/wait-for.js";
import { dataOf, firstSyncCycle, startGateway } from "./gateway.js";
import type { Gateway } from "./gateway.js";

/**
 * Redis stops under a running gateway (sync leader, subscriber connected, dashboard polling) and comes back on
 * the same port, empty (the test server keeps nothing on disk: the harder case, a restart without persistence).
 */
const DAY_MS = 86_400_000;
const LEASE_SECONDS = 2;
const OUTAGE_MS = 5000;
const CYCLE_DONE = /^sync cycle done: .*\(leader epoch (\d+)\)$/;
let sim: Simulator;
let redis: TestRedis;
let gateway: Gateway;
let subscriber: PipelineSubscriber;
let slugs: [string, string];
const warnings: { component?: string; msg: string }[] = [];

beforeAll(async () => {
  [sim, redis] = await Promise.all([startSimulator({ world: { seed: 23, projects: 2, pipelinesPerProject: 6, historyDays: 2 } }), startTestRedis()]);
  slugs = [...sim.world.state.projects.keys()] as [string, string];
  const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line) as (typeof warnings)[number]) });
  gateway = await startGateway({
    sim,
    redisUrl: redis.url,
    redisPrefix: "e2e-redis-outage:",
    projectSlugs: slugs,
    syncIntervalSeconds: 1,
    syncLeaderTtlSeconds: LEASE_SECONDS,
    logger,
  });
  await firstSyncCycle(gateway);
  subscriber = subscribePipelineCreated(gateway.url);
  await waitFor("the subscriber to listen", () => gateway.subscriberCount() === 1);
});

afterAll(async () => {
  await subscriber?.dispose();
  await gateway?.stop();
  await sim?.stop();
  await redis?.stop();
});

async function readiness(): Promise<{ status: number; reason?: string }> {
  const response = await fetch(new URL("/readyz", gateway.url));
  const body = (await response.json()) as { reason?: string };
  return { status: response.status, reason: body.reason };
}

const cycleEpochs = () => gateway.lines.flatMap((line) => line.match(CYCLE_DONE)?.[1] ?? []).map(Number);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dashboard = () => dataOf(gateway.url, DashboardDocument, { projectSlug: slugs[0], first: 10 });

describe("Redis stops under a serving gateway, then comes back on the same port", () => {
  it("keeps serving, says degraded, pauses the sync, then resumes by itself and converges to the truth", async () => {
    expect((await readiness()).status).toBe(200);
    const before = await dashboard();
    const epochBefore = cycleEpochs().at(-1) as number;

    await redis.stop();
    const outageStarted = Date.now();
    await waitFor("/readyz to say degraded", async () => (await readiness()).status === 503);
    expect((await readiness()).reason).toMatch(/^degraded: the store does not answer: Redis at 127\.0\.0\.1:\d+ is unreachable/);

    // Work arrives upstream meanwhile: the sync must not lose it.
    const createdDuringOutage = sim.world.triggerPipeline(slugs[1]);
    // The lease runs out within its TTL: from then on no cycle completes until Redis is back.
    let cyclesOnceLeaseGone: number | undefined;
    const warningsBefore = warnings.length;
    while (Date.now() - outageStarted < OUTAGE_MS) {
      // Past the L1's 2 s these answers come from CircleCI: the store cannot give them.
      expect(await dashboard()).toEqual(before);
      if (cyclesOnceLeaseGone === undefined && Date.now() - outageStarted > (LEASE_SECONDS + 1) * 1000) cyclesOnceLeaseGone = cycleEpochs().length;
      await sleep(250);
    }
    expect(cycleEpochs()).toHaveLength(cyclesOnceLeaseGone as number);
    // Each connection, loader and the scheduler say it once (the lock a few times until its lease is gone):
    // unthrottled, every reconnection attempt and every query would add a line.
    const repeats = new Map<string, number>();
    for (const { component, msg } of warnings.slice(warningsBefore)) repeats.set(`${component} ${msg}`, (repeats.get(`${component} ${msg}`) ?? 0) + 1);
    expect(Math.max(...repeats.values())).toBeLessThanOrEqual(3);

    await redis.start();
    await waitFor("/readyz to say ready again", async () => (await readiness()).status === 200, 20_000);
    expect(cycleEpochs().at(-1)).toBeGreaterThan(epochBefore);
    // A cycle that overlapped the reconnection may have failed some writes: the next ones redo them.
    const since = sim.world.state.now - 30 * DAY_MS;
    const differences = () => compareStoreWithTruth(gateway.store, sim.world, { projectSlugs: slugs, since });
    await waitFor("the store to equal the truth", async () => (await differences()).length === 0, 15_000).catch(() => undefined);
    expect(await differences()).toEqual([]);
    expect((await gateway.store.getPipelines([createdDuringOutage.id]))[0]?.id).toBe(createdDuringOutage.id);

    // The bus resubscribed: a pipeline created now reaches the subscriber through the next cycle.
    const createdAfter = sim.world.triggerPipeline(slugs[0]);
    await waitFor("the subscriber to hear of the new pipeline", () => subscriber.received.includes(createdAfter.id), 15_000);
    expect(subscriber.errors).toEqual([]);
    expect(await dashboard()).not.toEqual(before);
  }, 60_000);
});
