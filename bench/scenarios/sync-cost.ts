/**
 * Scenario 5: what the sync costs. Two worlds alike but for the length of their history (1x and 10x as many
 * days at the same density): each is backfilled, then gets the same new activity, and the next cycle's calls
 * are counted; they should not grow with history. The 10x backfill runs at the simulator's rate limit with the
 * client's budget set to it: records written a second, the share of the limit it used, and the 429s it provoked.
 */
import { performance } from "node:perf_hooks";
import { CircleCIClient } from "../../src/circleci/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import { MemoryEventBus } from "../../src/store/events.js";
import { RedisStore } from "../../src/store/redis-store.js";
import { SyncEngine } from "../../src/sync/index.js";
import type { CycleReport } from "../../src/sync/index.js";
import type { TestRedis } from "../../test/support/redis-server.js";
import type { BenchSettings } from "../settings.js";

export interface SyncCostResult {
  steadyCallsPerCycle1x: number;
  steadyCallsPerCycle10x: number;
  steadyRatio10xTo1x: number;
  newPipelinesPerCycle: number;
  backfill: {
    records: number;
    calls: number;
    seconds: number;
    recordsPerSecond: number;
    callsPerSecond: number;
    rateLimit: number;
    shareOfRateLimit: number;
    responses429: number;
  };
}

interface HistoryRun {
  steadyCalls: number;
  backfill: { report: CycleReport; seconds: number; responses429: number };
}

const NEW_PIPELINE_GAP_MS = 60_000;
const LOOKBACK_HOURS = 6;

export async function measureSyncCost(settings: BenchSettings, redis: TestRedis): Promise<SyncCostResult> {
  const small = await runHistory(settings, redis, 1);
  const large = await runHistory(settings, redis, 10);
  const { report, seconds, responses429 } = large.backfill;
  const records = report.streams.reduce((sum, stream) => sum + stream.records, 0);
  const { rateLimit } = settings.sync;
  return {
    steadyCallsPerCycle1x: small.steadyCalls,
    steadyCallsPerCycle10x: large.steadyCalls,
    steadyRatio10xTo1x: large.steadyCalls / small.steadyCalls,
    newPipelinesPerCycle: settings.sync.newPipelines,
    backfill: {
      records,
      calls: report.calls,
      seconds,
      recordsPerSecond: records / seconds,
      callsPerSecond: report.calls / seconds,
      rateLimit,
      shareOfRateLimit: report.calls / seconds / rateLimit,
      responses429,
    },
  };
}

async function runHistory(settings: BenchSettings, redis: TestRedis, multiple: number): Promise<HistoryRun> {
  const { rateLimit, concurrency, pipelines, historyDays, newPipelines } = settings.sync;
  const sim = await startSimulator({
    world: { seed: settings.world.seed, projects: 1, pipelinesPerProject: pipelines * multiple, historyDays: historyDays * multiple },
    pageSize: settings.pageSize,
    latencyMs: settings.latencyMs,
    rateLimit: { requestsPerSecond: rateLimit },
  });
  const client = new CircleCIClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: rateLimit, concurrency });
  const store = new RedisStore({ url: redis.url, prefix: `bench-sync-${multiple}x:` });
  const bus = new MemoryEventBus();
  try {
    const slugs = [...sim.world.state.projects.keys()];
    const engine = new SyncEngine({
      client,
      store,
      bus,
      projectSlugs: slugs,
      lookbackHours: LOOKBACK_HOURS,
      backfillDays: historyDays * multiple + 1,
      concurrency,
      now: () => sim.world.state.now,
    });
    const started = performance.now();
    const report = await cycle(engine);
    const seconds = (performance.now() - started) / 1000;
    const responses429 = sim.counters.byStatus()["429"] ?? 0;

    for (let index = 0; index < newPipelines; index++) {
      for (const slug of slugs) sim.world.triggerPipeline(slug);
      sim.world.advance(NEW_PIPELINE_GAP_MS);
    }
    const steady = await cycle(engine);
    return { steadyCalls: steady.calls, backfill: { report, seconds, responses429 } };
  } finally {
    await client.close();
    await bus.close();
    await store.close();
    await sim.stop();
  }
}

async function cycle(engine: SyncEngine): Promise<CycleReport> {
  const report = await engine.runCycle();
  if (!report.ok) throw new Error(`a benchmark sync cycle failed: ${JSON.stringify(report.streams.filter((stream) => stream.error !== undefined))}`);
  return report;
}
