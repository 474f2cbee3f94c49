import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayMetrics } from "../../src/metrics/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import { keyLayout, MemoryEventBus, RedisLeaderLock, RedisStore } from "../../src/store/index.js";
import { SyncEngine } from "../../src/sync/index.js";
import type { CycleReport } from "../../src/sync/index.js";
import { StoreWriter } from "../../src/writer/index.js";
import { sampleValue } from "../metrics/prometheus-text.js";
import { redisSnapshot } from "../support/redis-snapshot.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { NOW, simulatorClient } from "../support/simulator-client.js";
import { interceptWrites } from "./harness.js";

let redis: TestRedis;
let admin: Redis;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  admin = new Redis(redis.url);
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  admin.disconnect();
  await redis?.stop();
});

interface Instance {
  lock: RedisLeaderLock;
  engine: SyncEngine;
  writer: StoreWriter;
}

/** One gateway's sync, on its own connections; `onWrite` sees each batch before its store applies it. */
async function instance(prefix: string, slugs: string[], sim: Awaited<ReturnType<typeof startSimulator>>, onWrite: Parameters<typeof interceptWrites>[1] = () => undefined): Promise<Instance> {
  const lock = RedisLeaderLock.connect(redis.url, { prefix, ttlMs: 600 });
  const base = new RedisStore({ url: redis.url, prefix });
  const store = interceptWrites(base, onWrite);
  const bus = new MemoryEventBus();
  const client = simulatorClient(sim);
  const writer = new StoreWriter({ store, bus });
  const engine = new SyncEngine({ client, store, writer, projectSlugs: slugs, lookbackHours: 6, backfillDays: 3, now: () => sim.world.state.now });
  closers.push(() => lock.close(), () => client.close(), () => bus.close(), () => base.close());
  return { lock, engine, writer };
}

interface Outcome {
  staleReport: CycleReport;
  /** The store once the new leader completed a cycle, and once the stale one went on. */
  afterTakeover: Record<string, unknown>;
  afterStaleLeader: Record<string, unknown>;
  stale: Instance;
}

/**
 * Leader A stalls inside a write of its cycle (its batch built, not yet applied) for longer than its lease: the lease
 * runs out (removed, as its TTL would), the world moves on, instance B takes the lease and completes a cycle. Then A
 * resumes. `fenced: false` plays A without its epoch, to show what its writes would do.
 */
async function staleLeader(fenced: boolean): Promise<Outcome> {
  const prefix = `fence-${fenced}:`;
  const sim = await startSimulator({ world: { seed: 31, now: NOW, projects: 1, pipelinesPerProject: 6, historyDays: 2 } });
  closers.push(() => sim.stop());
  const slugs = [...sim.world.state.projects.keys()];
  let stallNext = false;
  let stalled!: () => void;
  const reachedStall = new Promise<void>((resolve) => (stalled = resolve));
  let resume!: () => void;
  const resumed = new Promise<void>((resolve) => (resume = resolve));
  const a = await instance(prefix, slugs, sim, async (batch) => {
    if (!stallNext || !batch.writes.some((write) => write.kind === "jobList")) return;
    stallNext = false;
    stalled();
    await resumed;
  });
  const b = await instance(prefix, slugs, sim);

  expect(await a.lock.acquire()).toBe(true);
  const epochA = a.lock.fencingToken as number;
  expect((await a.engine.runCycle(a.lock.lost, epochA)).ok).toBe(true);
  sim.world.advance(10 * 60_000);

  stallNext = true;
  const staleCycle = a.engine.runCycle(a.lock.lost, fenced ? epochA : undefined);
  await reachedStall;
  await admin.del(keyLayout(prefix).leader);
  sim.world.advance(20 * 60_000);
  expect(await b.lock.acquire()).toBe(true);
  expect(b.lock.fencingToken).toBeGreaterThan(epochA);
  expect((await b.engine.runCycle(b.lock.lost, b.lock.fencingToken)).ok).toBe(true);
  const afterTakeover = await redisSnapshot(redis.url, prefix);

  resume();
  const staleReport = await staleCycle;
  return { staleReport, afterTakeover, afterStaleLeader: await redisSnapshot(redis.url, prefix), stale: a };
}

describe("a sync leader stalled past its lease while another instance took over", () => {
  it("has its writes refused once it resumes: its cycle stops, and the store holds nothing it wrote after losing the lease", async () => {
    const { staleReport, afterTakeover, afterStaleLeader, stale } = await staleLeader(true);
    expect(staleReport).toMatchObject({ ok: false, aborted: true });
    expect(afterStaleLeader).toStrictEqual(afterTakeover);
    expect(stale.writer.stats.refused.fence).toBe(1);
    const metrics = await createGatewayMetrics({ writer: () => stale.writer.stats }).render();
    expect(sampleValue(metrics, "circleci_gateway_store_writes_refused_total", { reason: "fence" })).toBe(1);
  }, 30_000);

  it("without its epoch, the same stale writes would have landed over the new leader's (what the fence prevents)", async () => {
    const { afterTakeover, afterStaleLeader } = await staleLeader(false);
    expect(afterStaleLeader).not.toStrictEqual(afterTakeover);
  }, 30_000);
});
