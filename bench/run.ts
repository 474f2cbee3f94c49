/**
 * `npm run bench [-- --quick] [-- --cpu-prof] [-- --only sync,cold]`: every scenario in one run on this
 * machine, so the ratios compare figures measured side by side. Writes bench/results/latest.json (a --quick run: quick.json) and prints a table.
 * `--cpu-prof` writes the gateway processes' V8 CPU profiles to bench/results/profiles/.
 * `--only` runs the named scenarios alone and prints their figures as JSON: latest.json stays a full run's.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startTestRedis } from "../test/support/redis-server.js";
import { startGatewayRig, fetchDashboard, WARM_PREFIX } from "./gateway-rig.js";
import type { GatewayRig } from "./gateway-rig.js";
import { PROFILES_DIR, QUICK_RESULTS_FILE, RESULTS_FILE } from "./paths.js";
import { answerCacheRatios, assemble, ceilingRatios, changingRatio, formatTable } from "./results.js";
import type { Measurements } from "./results.js";
import { measureActions } from "./scenarios/actions.js";
import { measureBaseline } from "./scenarios/baselines.js";
import { measureCeiling } from "./scenarios/ceiling.js";
import { measureBoard } from "./scenarios/board.js";
import { measureChanging } from "./scenarios/changing.js";
import { measureCold } from "./scenarios/cold.js";
import { fillHistories } from "./scenarios/history.js";
import { measureInsights } from "./scenarios/insights.js";
import { measureRawBytes } from "./scenarios/raw-bytes.js";
import { measureSubscriptions } from "./scenarios/subscriptions.js";
import { measureSoak } from "./scenarios/soak.js";
import { measureSyncCost } from "./scenarios/sync-cost.js";
import { measureWarm } from "./scenarios/warm.js";
import type { ServerMode } from "./server-process.js";
import { benchSettings } from "./settings.js";
import { DEFAULT_ANSWER_CACHE_ENTRIES } from "../src/operation/index.js";
import type { BenchSettings } from "./settings.js";

const COLD_PREFIX = "bench-cold:";
const SCENARIOS = ["warm", "answers", "changing", "raw", "ceiling", "subscriptions", "passthrough", "naive", "cold", "board", "insights", "actions", "sync", "soak"] as const;
type ScenarioName = (typeof SCENARIOS)[number];
/** The scenarios that measure a gateway process; the sync scenario brings its own simulators and needs only Redis. */
const GATEWAY_SCENARIOS: readonly ScenarioName[] = ["warm", "answers", "changing", "raw", "ceiling", "subscriptions", "passthrough", "naive", "cold", "board", "insights", "actions"];

/** The scenarios `--only a,b` names, or every one. */
function selectedScenarios(argv: readonly string[]): Set<ScenarioName> {
  const index = argv.indexOf("--only");
  if (index === -1) return new Set(SCENARIOS);
  const names = (argv[index + 1] ?? "").split(",").filter((name) => name !== "");
  const unknown = names.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`--only takes a comma list of scenarios among ${SCENARIOS.join(", ")}; got "${argv[index + 1] ?? ""}"`);
  }
  return new Set(names as ScenarioName[]);
}

function step(text: string): void {
  console.log(`bench: ${text}`);
}

/** Starts a gateway process, runs `work` against it, and stops it whatever happens. */
async function withServer<T>(
  rig: GatewayRig,
  mode: ServerMode,
  prefix: string,
  work: (server: Awaited<ReturnType<GatewayRig["startServer"]>>) => Promise<T>,
  answerCacheEntries = 0,
): Promise<T> {
  const server = await rig.startServer(mode, prefix, { answerCacheEntries });
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

/** Pipelines, workflows, jobs and job details in one dashboard answer. */
function countEntities(answer: unknown): number {
  const nodes = (answer as { pipelines: { nodes: { workflows: { jobs: { details: unknown }[] }[] }[] } }).pipelines.nodes;
  const workflows = nodes.flatMap((pipeline) => pipeline.workflows);
  const jobs = workflows.flatMap((workflow) => workflow.jobs);
  return nodes.length + workflows.length + jobs.length + jobs.filter((job) => job.details !== null).length;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const settings = benchSettings(argv.includes("--quick"));
  const profile = argv.includes("--cpu-prof");
  const selected = selectedScenarios(argv);
  if (profile) mkdirSync(PROFILES_DIR, { recursive: true });
  const startedAt = new Date();
  const measured: Partial<Measurements> = {};
  if (GATEWAY_SCENARIOS.some((name) => selected.has(name))) {
    const rig = await startGatewayRig(settings, profile ? { cpuProfileDir: fileURLToPath(PROFILES_DIR) } : {});
    try {
      Object.assign(measured, await measureGateway(rig, selected));
      if (selected.has("sync")) measured.sync = await measureSync(settings, rig.redis);
      if (selected.has("soak")) measured.soak = await soak(rig.redis);
    } finally {
      await rig.close();
    }
  } else {
    const redis = await startTestRedis();
    try {
      if (selected.has("sync")) measured.sync = await measureSync(settings, redis);
      if (selected.has("soak")) measured.soak = await soak(redis);
    } finally {
      await redis.stop();
    }
  }

  if (selected.size < SCENARIOS.length) {
    const { warm, ceiling, answers, raw, changing } = measured;
    const ratios = {
      ...(warm !== undefined && ceiling !== undefined ? ceilingRatios(warm, ceiling) : {}),
      ...(warm !== undefined && answers !== undefined && raw !== undefined ? answerCacheRatios(warm, answers, raw) : {}),
      ...(warm !== undefined && changing !== undefined ? changingRatio(warm, changing) : {}),
    };
    console.log(JSON.stringify({ quick: settings.quick, scenarios: [...selected], measurements: measured, ratios }, null, 2));
    return;
  }
  const results = assemble(startedAt, settings, measured as Measurements);
  const file = settings.quick ? QUICK_RESULTS_FILE : RESULTS_FILE;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n${formatTable(results)}\n\nbench: written to ${fileURLToPath(file)}`);
}

function soak(redis: GatewayRig["redis"]): ReturnType<typeof measureSoak> {
  step("11 soak under retention");
  return measureSoak(redis);
}

function measureSync(settings: BenchSettings, redis: GatewayRig["redis"]): ReturnType<typeof measureSyncCost> {
  step("5 sync cost");
  return measureSyncCost(settings, redis);
}

/** The gateway scenarios among `selected`, after one sync cycle has filled the warm cache. */
async function measureGateway(rig: GatewayRig, selected: ReadonlySet<ScenarioName>): Promise<Partial<Measurements>> {
  const measured: Partial<Measurements> = {};
  step("filling the warm cache (a sync cycle)");
  const memoryBefore = await rig.redisUsedMemory();
  const backfill = await rig.engine.runCycle();
  if (!backfill.ok) throw new Error("the warm cache's sync cycle failed");
  const pipelinesStored = backfill.streams.find((stream) => stream.stream === "pipelines")?.records ?? 0;
  measured.redisBytesPerPipeline = ((await rig.redisUsedMemory()) - memoryBefore) / Math.max(1, pipelinesStored);
  step("7 storage: Redis bytes per pipeline against CircleCI's JSON");
  measured.storage = await rig.documentBytes();

  if (["warm", "raw", "ceiling", "subscriptions"].some((name) => selected.has(name as ScenarioName))) {
    await withServer(rig, "cached", WARM_PREFIX, async (server) => {
      const answer = await fetchDashboard(server.url, rig.body);
      measured.answerObjects = countEntities(answer.data);
      if (selected.has("warm")) {
        step("1 warm dashboard under load, answer cache off");
        measured.warm = await measureWarm(rig, server);
      }
      if (selected.has("raw")) {
        step("1c raw-bytes ceiling (the same answer from a plain node:http server)");
        measured.raw = await measureRawBytes(rig, answer.bytes);
      }
      if (selected.has("ceiling")) {
        step("2 in-process ceiling");
        measured.ceiling = measureCeiling(rig, answer.data);
      }
      if (selected.has("subscriptions")) {
        step("6 subscription latency");
        measured.subscriptions = await measureSubscriptions(rig, server);
      }
    });
  }
  if (selected.has("answers")) {
    step("1b warm dashboard under load, answer cache on");
    measured.answers = await withServer(rig, "cached", WARM_PREFIX, (server) => measureWarm(rig, server), DEFAULT_ANSWER_CACHE_ENTRIES);
  }
  if (selected.has("changing")) {
    step("1d warm dashboard under load, answer cache on, a workflow of it changing every second");
    measured.changing = await withServer(rig, "cached", WARM_PREFIX, (server) => measureChanging(rig, server), DEFAULT_ANSWER_CACHE_ENTRIES);
  }
  if (selected.has("passthrough")) {
    step("3 passthrough baseline");
    measured.passthrough = await withServer(rig, "passthrough", WARM_PREFIX, (server) => measureBaseline(rig, server));
  }
  if (selected.has("naive")) {
    step("3 naive baseline");
    measured.naive = await withServer(rig, "naive", WARM_PREFIX, (server) => measureBaseline(rig, server));
  }
  if (selected.has("cold")) {
    step("4 cold dashboard");
    measured.cold = await withServer(rig, "cached", COLD_PREFIX, (server) => measureCold(rig, server));
  }
  if (selected.has("board") || selected.has("insights")) {
    step("filling two histories of 100 projects (1x, and 10x before the same 30-day window)");
    const histories = await fillHistories(rig);
    if (selected.has("board")) {
      step("8 status board of 100 projects, 1x and 10x history");
      measured.board = await measureBoard(rig, histories);
    }
    if (selected.has("insights")) {
      step("10 workflow insights of 100 projects over 30 days in one request, 1x and 10x history");
      measured.insights = await measureInsights(rig, histories);
    }
  }
  // Last: its triggers add pipelines to the simulated world the other scenarios read.
  if (selected.has("actions")) {
    step("9 an action's effect, from the mutation's answer on one instance to a subscriber on another");
    measured.actions = await measureActions(rig);
  }
  return measured;
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
