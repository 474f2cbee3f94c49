/**
 * Scenario 5: what the sync costs. Two worlds alike but for the length of their history (1x and 10x as many
 * days and pipelines): each is backfilled, then both are brought to the same present, and the calls of one
 * steady cycle are counted; they should not grow with history. The 10x backfill runs at the simulator's rate
 * limit with the client's budget set to it: records written a second, the share of the limit it used, and the
 * 429s it provoked.
 *
 * What the steady cycle's two worlds hold equal, since a cycle's cost follows the overlap window and the live
 * work, not history (DESIGN.md "Cost"), and the generator crowds history towards `now` (the 10x world has about
 * three times the pipelines in its last 6 hours) and leaves an approval on hold forever in some worlds:
 * - no live work from history: every approval is given and two quiet days pass, then a cycle syncs that;
 * - the same live work: a warm-up pipeline held on an approval, re-polled every cycle in both worlds;
 * - the same overlap window: the warm-up moved the high-water mark, so the window holds only it and the new
 *   pipelines, and both worlds have more than a page of pipelines behind it (pipeline pages of 5), so both walks
 *   read the one page that shows them they are past the window;
 * - the same new activity: both worlds draw the warm-up and the new pipelines from the same seed (`reseed`),
 *   so they get the same workflows and jobs, which then move alike.
 */
import { performance } from "node:perf_hooks";
import { CircleCIClient } from "../../src/circleci/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { MemoryEventBus } from "../../src/store/events.js";
import { RedisStore } from "../../src/store/redis-store.js";
import type { Store } from "../../src/store/store.js";
import { SyncEngine } from "../../src/sync/index.js";
import { StoreWriter } from "../../src/writer/index.js";
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
const HOUR_MS = 3_600_000;
const QUIET_MS = 48 * HOUR_MS;
/** Where both worlds draw their new activity from once nothing from history is live. */
const ACTIVITY_SEED = 5;
const PIPELINE_PAGE_SIZE = 5;

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
    pageSize: { pipelines: PIPELINE_PAGE_SIZE, workflows: settings.pageSize, jobs: settings.pageSize, contexts: settings.pageSize, envVars: settings.pageSize },
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
      writer: new StoreWriter({ store, bus }),
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
    const steady = await steadyCycle(sim, engine, store, newPipelines);
    return { steadyCalls: steady.calls, backfill: { report, seconds, responses429 } };
  } finally {
    await client.close();
    await bus.close();
    await store.close();
    await sim.stop();
  }
}

/** The measured cycle, once the world's present is the same whatever its history (see the file's comment). */
async function steadyCycle(sim: Simulator, engine: SyncEngine, store: Store, newPipelines: number): Promise<CycleReport> {
  const { world } = sim;
  const slugs = [...world.state.projects.keys()];
  world.approveAllOnHold();
  world.advance(QUIET_MS);
  await cycle(engine);
  const leftLive = await store.listActivePipelines();
  if (leftLive.length > 0) throw new Error(`the sync-cost scenario expects no live work after the quiet days; ${leftLive.length} pipelines are still live`);

  world.reseed(ACTIVITY_SEED);
  for (const slug of slugs) world.triggerPipeline(slug, { holdForApproval: true });
  world.advance(HOUR_MS);
  await cycle(engine);
  for (let index = 0; index < newPipelines; index++) {
    for (const slug of slugs) world.triggerPipeline(slug);
    world.advance(NEW_PIPELINE_GAP_MS);
  }
  return cycle(engine);
}

async function cycle(engine: SyncEngine): Promise<CycleReport> {
  const report = await engine.runCycle();
  if (!report.ok) throw new Error(`a benchmark sync cycle failed: ${JSON.stringify(report.streams.filter((stream) => stream.error !== undefined))}`);
  return report;
}
