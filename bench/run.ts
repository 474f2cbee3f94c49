/**
 * `npm run bench [-- --quick] [-- --cpu-prof] [-- --only warm,ceiling]`: every scenario of issue 7 in one run on
 * this machine, so the ratios compare figures measured side by side. Writes bench/results/latest.json and prints a
 * table. `--cpu-prof` writes the gateway processes' V8 CPU profiles to bench/results/profiles/. `--only warm,ceiling`
 * runs just the warm dashboard and the ceiling (the loop for tuning the read path): it prints their figures and
 * leaves latest.json alone, as a partial run has no ratios against the baselines.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startGatewayRig, fetchDashboard, WARM_PREFIX } from "./gateway-rig.js";
import type { GatewayRig } from "./gateway-rig.js";
import { PROFILES_DIR, RESULTS_FILE } from "./paths.js";
import { assemble, ceilingRatios, formatTable } from "./results.js";
import type { Measurements } from "./results.js";
import { measureBaseline } from "./scenarios/baselines.js";
import { measureCeiling } from "./scenarios/ceiling.js";
import { measureCold } from "./scenarios/cold.js";
import { measureSubscriptions } from "./scenarios/subscriptions.js";
import { measureSyncCost } from "./scenarios/sync-cost.js";
import { measureWarm } from "./scenarios/warm.js";
import type { ServerMode } from "./server-process.js";
import { benchSettings } from "./settings.js";

const COLD_PREFIX = "bench-cold:";

function step(text: string): void {
  console.log(`bench: ${text}`);
}

/** Starts a gateway process, runs `work` against it, and stops it whatever happens. */
async function withServer<T>(rig: GatewayRig, mode: ServerMode, prefix: string, work: (server: Awaited<ReturnType<GatewayRig["startServer"]>>) => Promise<T>): Promise<T> {
  const server = await rig.startServer(mode, prefix);
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

/** The warm dashboard against the ceiling alone, printed: the read path's figures without the slow baselines. */
async function runWarmAndCeiling(rig: GatewayRig): Promise<void> {
  const figures = await withServer(rig, "cached", WARM_PREFIX, async (server) => {
    const answer = await fetchDashboard(server.url, rig.body);
    step("1 warm dashboard under load");
    const warm = await measureWarm(rig, server);
    step("2 in-process ceiling");
    const ceiling = measureCeiling(rig, answer);
    return { warm, ceiling, ...ceilingRatios(warm, ceiling) };
  });
  console.log(JSON.stringify(figures, null, 2));
}

/** `--only warm,ceiling` (the one subset supported), or undefined for the full run. */
function onlyScenarios(argv: readonly string[]): "warm,ceiling" | undefined {
  const index = argv.indexOf("--only");
  if (index === -1) return undefined;
  const wanted = argv[index + 1];
  if (wanted !== "warm,ceiling") throw new Error(`--only supports "warm,ceiling", not ${JSON.stringify(wanted)}`);
  return wanted;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = new Set(argv);
  const only = onlyScenarios(argv);
  const settings = benchSettings(args.has("--quick"));
  const profile = args.has("--cpu-prof");
  if (profile) mkdirSync(PROFILES_DIR, { recursive: true });
  const startedAt = new Date();
  const rig = await startGatewayRig(settings, profile ? { cpuProfileDir: fileURLToPath(PROFILES_DIR) } : {});
  try {
    step("filling the warm cache (a sync cycle)");
    const memoryBefore = await rig.redisUsedMemory();
    const backfill = await rig.engine.runCycle();
    if (!backfill.ok) throw new Error("the warm cache's sync cycle failed");
    if (only !== undefined) return await runWarmAndCeiling(rig);
    const pipelinesStored = backfill.streams.find((stream) => stream.stream === "pipelines")?.records ?? 0;
    const redisBytesPerPipeline = ((await rig.redisUsedMemory()) - memoryBefore) / Math.max(1, pipelinesStored);

    const { warm, ceiling, subscriptions, answerObjects } = await withServer(rig, "cached", WARM_PREFIX, async (server) => {
      const answer = await fetchDashboard(server.url, rig.body);
      step("1 warm dashboard under load");
      const warmResult = await measureWarm(rig, server);
      step("2 in-process ceiling");
      const ceilingResult = measureCeiling(rig, answer);
      step("6 subscription latency");
      const subscriptionResult = await measureSubscriptions(rig, server);
      return { warm: warmResult, ceiling: ceilingResult, subscriptions: subscriptionResult, answerObjects: countEntities(answer) };
    });
    step("3 passthrough baseline");
    const passthrough = await withServer(rig, "passthrough", WARM_PREFIX, (server) => measureBaseline(rig, server));
    step("3 naive baseline");
    const naive = await withServer(rig, "naive", WARM_PREFIX, (server) => measureBaseline(rig, server));
    step("4 cold dashboard");
    const cold = await withServer(rig, "cached", COLD_PREFIX, (server) => measureCold(rig, server));
    step("5 sync cost");
    const sync = await measureSyncCost(settings, rig.redis);

    const measurements: Measurements = { warm, ceiling, passthrough, naive, cold, sync, subscriptions, answerObjects, redisBytesPerPipeline };
    const results = assemble(startedAt, settings, measurements);
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\n${formatTable(results)}\n\nbench: written to ${fileURLToPath(RESULTS_FILE)}`);
  } finally {
    await rig.close();
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
