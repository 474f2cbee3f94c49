/**
 * Scenario 11: the store over a long life. A living simulated CircleCI (new pipelines every half hour per project)
 * runs many simulated days at a fast clock, synced every 6 simulated hours with a retention of 2 days: once the
 * first window is full, what Redis holds should stay flat however long the gateway runs, and so should what a
 * cycle costs. Redis memory is the `MEMORY USAGE` of every key of the deployment's prefix, summed per key family,
 * after 1x and after 10x the retention; calls per cycle are averaged over the second window and the last one.
 * The simulator answers without latency: this measures what is kept and asked, not how fast.
 */
import { Redis } from "ioredis";
import { CircleCIClient } from "../../src/circleci/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import { MemoryEventBus } from "../../src/store/events.js";
import { RedisStore } from "../../src/store/redis-store.js";
import { SyncEngine } from "../../src/sync/index.js";
import { StoreWriter } from "../../src/writer/index.js";
import type { TestRedis } from "../../test/support/redis-server.js";

export interface SoakResult {
  retentionDays: number;
  simulatedDays: number;
  cycles: number;
  /** Bytes Redis uses for the deployment's keys once the first window is full, and at the end. */
  bytesAt1x: number;
  bytesAt10x: number;
  bytesRatio10xTo1x: number;
  /** Mean CircleCI calls per cycle over the second window, and over the last. */
  callsPerCycleEarly: number;
  callsPerCycleLate: number;
  callsRatioLateToEarly: number;
  pipelinesRemoved: number;
  /** Keys per family at the end (`pipeline`, `workflow`, `job`, `jobrec`, ...). */
  keysAtEnd: Record<string, number>;
  /**
   * Per family, its entries (a string counts one; a hash its fields, a sorted set or a list its members: the
   * directory and the indexes are single keys that could grow inside) at 10x over 1x the window; the largest ratio.
   */
  entriesRatio10xTo1x: Record<string, number>;
  largestEntriesRatio: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const RETENTION_DAYS = 2;
const MULTIPLE = 10;
const CYCLE_EVERY_MS = 6 * HOUR_MS;
const CYCLES_PER_WINDOW = (RETENTION_DAYS * DAY_MS) / CYCLE_EVERY_MS;
const PREFIX = "bench-soak:";

export async function measureSoak(redis: TestRedis): Promise<SoakResult> {
  const sim = await startSimulator({
    world: { seed: 11, projects: 2, pipelinesPerProject: 20, historyDays: RETENTION_DAYS, activity: { pipelineEveryMs: HOUR_MS / 2, rerunChance: 0.2 } },
  });
  const client = new CircleCIClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 10_000 });
  const store = new RedisStore({ url: redis.url, prefix: PREFIX });
  const bus = new MemoryEventBus();
  const inspector = new Redis(redis.url);
  try {
    const engine = new SyncEngine({
      client,
      store,
      writer: new StoreWriter({ store, bus }),
      projectSlugs: [...sim.world.state.projects.keys()],
      lookbackHours: 6,
      backfillDays: RETENTION_DAYS,
      retentionDays: RETENTION_DAYS,
      now: () => sim.world.state.now,
    });
    const calls: number[] = [];
    let removed = 0;
    let atWindow: KeyFamilies | undefined;
    const cycles = CYCLES_PER_WINDOW * MULTIPLE;
    for (let cycle = 1; cycle <= cycles; cycle++) {
      sim.world.advance(CYCLE_EVERY_MS);
      const report = await engine.runCycle();
      if (!report.ok) throw new Error(`a soak sync cycle failed: ${JSON.stringify(report.streams.filter((stream) => stream.error !== undefined))}`);
      calls.push(report.calls);
      removed += report.removed;
      if (cycle === CYCLES_PER_WINDOW) atWindow = await keyFamilies(inspector);
    }
    const end = await keyFamilies(inspector);
    const first = atWindow as KeyFamilies;
    // A family that was empty at 1x and holds entries at 10x grew without bound as far as this run can tell.
    const entriesRatio10xTo1x = Object.fromEntries(Object.entries(end.entries).map(([family, entries]) => [family, entries / (first.entries[family] ?? 0)]));
    const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const early = mean(calls.slice(CYCLES_PER_WINDOW, 2 * CYCLES_PER_WINDOW));
    const late = mean(calls.slice(-CYCLES_PER_WINDOW));
    return {
      retentionDays: RETENTION_DAYS,
      simulatedDays: RETENTION_DAYS * MULTIPLE,
      cycles,
      bytesAt1x: first.bytes,
      bytesAt10x: end.bytes,
      bytesRatio10xTo1x: end.bytes / first.bytes,
      callsPerCycleEarly: early,
      callsPerCycleLate: late,
      callsRatioLateToEarly: late / early,
      pipelinesRemoved: removed,
      keysAtEnd: end.keys,
      entriesRatio10xTo1x,
      largestEntriesRatio: Math.max(...Object.values(entriesRatio10xTo1x)),
    };
  } finally {
    inspector.disconnect();
    await client.close();
    await bus.close();
    await store.close();
    await sim.stop();
  }
}

interface KeyFamilies {
  bytes: number;
  keys: Record<string, number>;
  entries: Record<string, number>;
}

/** Every key of the deployment (by `SCAN`): how many per family, their entries, and their `MEMORY USAGE` summed. */
async function keyFamilies(inspector: Redis): Promise<KeyFamilies> {
  const keys: Record<string, number> = {};
  const entries: Record<string, number> = {};
  let bytes = 0;
  let cursor = "0";
  do {
    const [next, found] = await inspector.scan(cursor, "MATCH", `${PREFIX}*`, "COUNT", 1000);
    cursor = next;
    const pipeline = inspector.pipeline();
    for (const key of found) pipeline.memory("USAGE", key).type(key);
    const replies = (await pipeline.exec()) ?? [];
    const sizes = inspector.pipeline();
    found.forEach((key, index) => {
      const type = String(replies[2 * index + 1]?.[1]);
      if (type === "hash") sizes.hlen(key);
      else if (type === "zset") sizes.zcard(key);
      else if (type === "list") sizes.llen(key);
      else sizes.exists(key);
    });
    const counts = (await sizes.exec()) ?? [];
    for (const [index, key] of found.entries()) {
      const family = /\}:([a-z-]+)/.exec(key)?.[1] ?? key;
      keys[family] = (keys[family] ?? 0) + 1;
      entries[family] = (entries[family] ?? 0) + Number(counts[index]?.[1] ?? 0);
      bytes += Number(replies[2 * index]?.[1] ?? 0);
    }
  } while (cursor !== "0");
  return { bytes, keys, entries };
}
