/**
 * The run's figures: one JSON document with the same keys every run (`bench/results/latest.json`), the targets
 * judged against it, and the table printed at the end.
 */
import { cpus, totalmem } from "node:os";
import type { ActionsResult } from "./scenarios/actions.js";
import type { BaselineResult } from "./scenarios/baselines.js";
import type { BoardResult } from "./scenarios/board.js";
import type { CeilingResult } from "./scenarios/ceiling.js";
import type { ColdResult } from "./scenarios/cold.js";
import type { InsightsResult } from "./scenarios/insights.js";
import type { RawBytesResult } from "./scenarios/raw-bytes.js";
import type { SubscriptionResult } from "./scenarios/subscriptions.js";
import type { SoakResult } from "./scenarios/soak.js";
import type { SyncCostResult } from "./scenarios/sync-cost.js";
import type { ChangingResult } from "./scenarios/changing.js";
import type { DocumentBytes } from "./scenarios/storage.js";
import type { WarmResult } from "./scenarios/warm.js";
import type { BenchSettings } from "./settings.js";

export interface Machine {
  cpus: number;
  model: string;
  node: string;
  platform: string;
  totalMemoryBytes: number;
}

export interface Measurements {
  /** The warm dashboard with the answer cache off: every request executes. */
  warm: WarmResult;
  /** The same with the answer cache on. */
  answers: WarmResult;
  /** The same with the answer cache on while one workflow of the dashboard changes every second. */
  changing: ChangingResult;
  /** The same answer's bytes from a plain node:http server. */
  raw: RawBytesResult;
  ceiling: CeilingResult;
  passthrough: BaselineResult;
  naive: BaselineResult;
  cold: ColdResult;
  sync: SyncCostResult;
  /** Many simulated days of a living CircleCI under retention: what Redis holds and a cycle costs, 1x vs 10x the window. */
  soak: SoakResult;
  subscriptions: SubscriptionResult;
  /** A mutation's answer on one instance to the event on another's subscriber. */
  actions: ActionsResult;
  /** The status board of every branch of 100 projects: round trips at 1x and 10x history, and under load. */
  board: BoardResult;
  /** Workflow insights of 100 projects over 30 days in one request: round trips at 1x and 10x history, and under load. */
  insights: InsightsResult;
  /** Entities in one dashboard answer: pipelines, workflows, jobs and job details. */
  answerObjects: number;
  /** Redis `used_memory` grown by the warm cache's sync cycle, per pipeline stored (allocator overhead and every index included). */
  redisBytesPerPipeline: number;
  /** `MEMORY USAGE` of each pipeline's tree against the JSON CircleCI sent for it (`scenarios/storage.ts`). */
  storage: DocumentBytes;
}

export interface Target {
  name: string;
  goal: string;
  value: number;
  met: boolean;
}

export interface BenchResults {
  startedAt: string;
  quick: boolean;
  machine: Machine;
  setup: Pick<BenchSettings, "latencyMs" | "pageSize" | "gatewayRateLimit" | "gatewayConcurrency" | "dashboardFirst">;
  measurements: Measurements;
  ratios: {
    gatewayToCeiling: number;
    /** Ceiling CPU per execution / gateway CPU per request: the same ratio, unmoved by other load on the machine. */
    gatewayToCeilingCpu: number;
    passthroughToWarmP50: number;
    passthroughToWarmP99: number;
    naiveToWarmP50: number;
    naiveToWarmP99: number;
    warmCallsPerRequest: number;
    coldWallToLatencyBound: number;
    /** Warm throughput with the answer cache on / off. */
    answersToWarm: number;
    /** Warm throughput with the answer cache on / the raw-bytes ceiling's. */
    answersToRaw: number;
    /** Warm throughput with the answer cache on while a workflow of the dashboard changes every second / off. */
    changingToWarm: number;
  };
  targets: Target[];
}

export function machine(): Machine {
  const [first] = cpus();
  return { cpus: cpus().length, model: first?.model ?? "unknown", node: process.version, platform: `${process.platform}-${process.arch}`, totalMemoryBytes: totalmem() };
}

export function assemble(startedAt: Date, settings: BenchSettings, measurements: Measurements): BenchResults {
  const { warm, ceiling, passthrough, naive, cold, answers, raw, changing } = measurements;
  const ratios = {
    ...ceilingRatios(warm, ceiling),
    ...answerCacheRatios(warm, answers, raw),
    ...changingRatio(warm, changing),
    passthroughToWarmP50: passthrough.latencyP50Ms / warm.latencyP50Ms,
    passthroughToWarmP99: passthrough.latencyP99Ms / warm.latencyP99Ms,
    naiveToWarmP50: naive.latencyP50Ms / warm.latencyP50Ms,
    naiveToWarmP99: naive.latencyP99Ms / warm.latencyP99Ms,
    warmCallsPerRequest: warm.circleciCalls / Math.max(1, warm.requests),
    coldWallToLatencyBound: cold.wallMs / cold.latencyBoundMs,
  };
  const { latencyMs, pageSize, gatewayRateLimit, gatewayConcurrency, dashboardFirst } = settings;
  return {
    startedAt: startedAt.toISOString(),
    quick: settings.quick,
    machine: machine(),
    setup: { latencyMs, pageSize, gatewayRateLimit, gatewayConcurrency, dashboardFirst },
    measurements,
    ratios,
    targets: judge(measurements, ratios),
  };
}

/** The warm dashboard against the ceiling, by throughput and by CPU per answer. */
export function ceilingRatios(warm: WarmResult, ceiling: CeilingResult): { gatewayToCeiling: number; gatewayToCeilingCpu: number } {
  return {
    gatewayToCeiling: warm.requestsPerSecond / ceiling.executionsPerSecond,
    gatewayToCeilingCpu: ceiling.cpuMsPerExecution / warm.gatewayCpuMsPerRequest,
  };
}

/** The answer cache against executing every request, and against serving bytes with nothing else to do. */
export function answerCacheRatios(warm: WarmResult, answers: WarmResult, raw: RawBytesResult): { answersToWarm: number; answersToRaw: number } {
  return { answersToWarm: answers.requestsPerSecond / warm.requestsPerSecond, answersToRaw: answers.requestsPerSecond / raw.requestsPerSecond };
}

/** The answer cache while the dashboard keeps changing, against executing every request. */
export function changingRatio(warm: WarmResult, changing: ChangingResult): { changingToWarm: number } {
  return { changingToWarm: changing.requestsPerSecond / warm.requestsPerSecond };
}

/** The targets. */
function judge(m: Measurements, { gatewayToCeiling, answersToWarm, answersToRaw, changingToWarm }: BenchResults["ratios"]): Target[] {
  const { backfill } = m.sync;
  return [
    { name: "answer cache: warm throughput on / off", goal: ">= 10", value: answersToWarm, met: answersToWarm >= 10 },
    { name: "answer cache: warm p99 at 16 clients", goal: "< 50 ms", value: m.answers.latencyP99Ms, met: m.answers.latencyP99Ms < 50 },
    { name: "answer cache / raw-bytes ceiling throughput", goal: ">= 0.5", value: answersToRaw, met: answersToRaw >= 0.5 },
    { name: "answer cache, one change per second / cache off", goal: ">= 3", value: changingToWarm, met: changingToWarm >= 3 },
    { name: "warm p99 at 16 clients, answer cache off", goal: "< 50 ms", value: m.warm.latencyP99Ms, met: m.warm.latencyP99Ms < 50 },
    { name: "gateway / ceiling throughput", goal: ">= 0.5", value: gatewayToCeiling, met: gatewayToCeiling >= 0.5 },
    { name: "CircleCI calls, warm", goal: "0", value: m.warm.circleciCalls, met: m.warm.circleciCalls === 0 },
    { name: "duplicate calls, cold", goal: "0", value: m.cold.duplicateCalls, met: m.cold.duplicateCalls === 0 },
    { name: "steady sync calls 10x / 1x history", goal: "about 1 (<= 1.2)", value: m.sync.steadyRatio10xTo1x, met: m.sync.steadyRatio10xTo1x <= 1.2 },
    { name: "backfill share of the rate limit", goal: ">= 0.9", value: backfill.shareOfRateLimit, met: backfill.shareOfRateLimit >= 0.9 },
    { name: "429s provoked by the backfill", goal: "no storm (<= 1% of calls)", value: backfill.responses429, met: backfill.responses429 <= 0.01 * backfill.calls },
    { name: "Redis bytes under retention, 10x / 1x the window", goal: "<= 1.1", value: m.soak.bytesRatio10xTo1x, met: m.soak.bytesRatio10xTo1x <= 1.1 },
    { name: "sync calls per cycle under retention, late / early", goal: "about 1 (<= 1.2)", value: m.soak.callsRatioLateToEarly, met: m.soak.callsRatioLateToEarly <= 1.2 },
    { name: "largest key family's entries under retention, 10x / 1x the window", goal: "about 1 (<= 1.2)", value: m.soak.largestEntriesRatio, met: m.soak.largestEntriesRatio <= 1.2 },
    { name: "subscription p99, write to client", goal: "< 100 ms", value: m.subscriptions.latencyP99Ms, met: m.subscriptions.latencyP99Ms < 100 },
    { name: "action p99, answer on one instance to subscriber on another", goal: "< 1000 ms", value: m.actions.latencyP99Ms, met: m.actions.latencyP99Ms < 1000 },
    { name: "triggers sent per action", goal: "1", value: m.actions.triggersSent / Math.max(1, m.actions.rounds), met: m.actions.triggersSent === m.actions.rounds },
    { name: "status board round trips 10x - 1x history", goal: "0", value: m.board.roundTrips10x - m.board.roundTrips1x, met: m.board.roundTrips10x === m.board.roundTrips1x },
    { name: "Redis bytes / CircleCI JSON bytes per pipeline", goal: "<= 0.5", value: m.storage.ratio, met: m.storage.ratio <= 0.5 },
    { name: "CircleCI calls, warm status board", goal: "0", value: m.board.warm.circleciCalls, met: m.board.warm.circleciCalls === 0 },
    // A project's listing is a round trip of its own; how the reads after them batch depends on when they answer.
    { name: "insights round trips 10x / 1x history", goal: "about 1 (<= 1.1)", value: m.insights.roundTrips10x / m.insights.roundTrips1x, met: m.insights.roundTrips10x <= 1.1 * m.insights.roundTrips1x },
    { name: "CircleCI calls, warm insights", goal: "0", value: m.insights.warm.circleciCalls, met: m.insights.warm.circleciCalls === 0 },
  ];
}

export function formatTable(results: BenchResults): string {
  const { machine: host, setup, measurements: m, ratios } = results;
  const rows: [string, string][] = [
    ["machine", `${host.cpus} x ${host.model}, node ${host.node}, ${host.platform}, ${mib(host.totalMemoryBytes)} RAM`],
    ["setup", `CircleCI latency ${setup.latencyMs} ms, rate limit ${setup.gatewayRateLimit}/s, gate concurrency ${setup.gatewayConcurrency}, page size ${setup.pageSize}${results.quick ? ", QUICK run" : ""}`],
    ["dashboard", `${setup.dashboardFirst} pipelines, ${m.answerObjects} objects, ${kib(m.ceiling.answerBytes)} of JSON`],
    ["1 warm", `answer cache off, ${warmLine(m.warm)}`],
    ["1b warm", `answer cache on, ${warmLine(m.answers)}; x${fixed(ratios.answersToWarm, 1)} the throughput off`],
    ["1d warm", `answer cache on, ${m.changing.changes} changes in ${fixed(m.changing.changeSeconds)} s, ${warmLine(m.changing)}; x${fixed(ratios.changingToWarm, 1)} the throughput off`],
    ["1c raw bytes", `${m.raw.connections} clients: ${fixed(m.raw.requestsPerSecond)} req/s, p50 ${ms(m.raw.latencyP50Ms)}, p99 ${ms(m.raw.latencyP99Ms)}; answer cache / raw ${fixed(ratios.answersToRaw, 2)}`],
    ["2 ceiling", `${fixed(m.ceiling.executionsPerSecond)} executions/s in-process (${fixed(m.ceiling.cpuMsPerExecution, 1)} ms CPU each; gateway ${fixed(m.warm.gatewayCpuMsPerRequest, 1)} ms per request); gateway / ceiling ${fixed(ratios.gatewayToCeiling, 2)} by throughput, ${fixed(ratios.gatewayToCeilingCpu, 2)} by CPU`],
    ["3 passthrough", baseline(m.passthrough, ratios.passthroughToWarmP50, ratios.passthroughToWarmP99)],
    ["3 naive", baseline(m.naive, ratios.naiveToWarmP50, ratios.naiveToWarmP99)],
    ["4 cold", `${m.cold.clients} clients at once: ${m.cold.circleciCalls} calls (${m.cold.neededCalls} needed, ${m.cold.duplicateCalls} duplicates, ${m.cold.missingCalls} missing), ${ms(m.cold.wallMs)} vs ${ms(m.cold.latencyBoundMs)} latency bound (x${fixed(ratios.coldWallToLatencyBound, 2)})`],
    ["5 sync steady", `${m.sync.newPipelinesPerCycle} new pipelines: ${m.sync.steadyCallsPerCycle1x} calls/cycle at 1x history, ${m.sync.steadyCallsPerCycle10x} at 10x (ratio ${fixed(m.sync.steadyRatio10xTo1x, 2)})`],
    ["5 sync backfill", `${fixed(m.sync.backfill.recordsPerSecond)} records/s, ${fixed(m.sync.backfill.callsPerSecond)} calls/s of ${m.sync.backfill.rateLimit}/s (${fixed(100 * m.sync.backfill.shareOfRateLimit)}%), ${m.sync.backfill.responses429} x 429`],
    ["6 subscriptions", `${m.subscriptions.subscribers} subscribers, ${m.subscriptions.deliveries} deliveries: p50 ${ms(m.subscriptions.latencyP50Ms)}, p99 ${ms(m.subscriptions.latencyP99Ms)}`],
    ["7 memory", `gateway RSS peak under load ${mib(m.warm.gatewayRssPeakBytes)}; Redis ${kib(m.redisBytesPerPipeline)} per pipeline (used_memory, everything included)`],
    ["7 storage", `${m.storage.pipelines} pipelines: Redis ${kib(m.storage.redisBytesPerPipeline)} per pipeline tree (MEMORY USAGE) against ${kib(m.storage.rawBytesPerPipeline)} of CircleCI JSON: ratio ${fixed(m.storage.ratio, 2)}`],
    ["8 status board", `${m.board.projects} projects x ${m.board.branchesPerProject} branches, ${m.board.entries} entries: ${warmLine(m.board.warm)}`],
    ["8 board cost", `${m.board.roundTrips1x} Redis round trips per request (empty L1) at 1x history (${m.board.pipelines1x} pipelines), ${m.board.roundTrips10x} at 10x (${m.board.pipelines10x})`],
    ["9 actions", `${m.actions.rounds} triggers on A (${m.actions.triggersSent} sent to CircleCI), each answered in p50 ${ms(m.actions.mutationP50Ms)}, p99 ${ms(m.actions.mutationP99Ms)}; from A's answer to B's subscriber: p50 ${ms(m.actions.latencyP50Ms)}, p99 ${ms(m.actions.latencyP99Ms)}`],
    ["10 insights", `${m.insights.projects} projects x ${fixed(m.insights.windowDays)} days (${m.insights.pipelinesInWindow} pipelines), ${m.insights.insights} insights in one answer: ${warmLine(m.insights.warm)}`],
    ["10 insights cost", `${m.insights.roundTrips1x} Redis round trips per request (empty L1) at 1x history, ${m.insights.roundTrips10x} at 10x`],
    ["11 soak", `${m.soak.simulatedDays} simulated days, ${m.soak.cycles} cycles, retention ${m.soak.retentionDays} days: Redis ${kib(m.soak.bytesAt1x)} at 1x the window, ${kib(m.soak.bytesAt10x)} at 10x (ratio ${fixed(m.soak.bytesRatio10xTo1x, 2)}); ${fixed(m.soak.callsPerCycleEarly, 1)} calls/cycle early, ${fixed(m.soak.callsPerCycleLate, 1)} late; ${m.soak.pipelinesRemoved} pipelines removed; entries per key family 10x / 1x: ${Object.entries(m.soak.entriesRatio10xTo1x).map(([family, ratio]) => `${family} ${fixed(ratio, 2)}`).join(", ")}`],
    ...results.targets.map((target): [string, string] => [`target`, `${target.met ? "met   " : "MISSED"} ${target.name}: ${fixed(target.value, 2)} (goal ${target.goal})`]),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, text]) => `${label.padEnd(width)}  ${text}`).join("\n");
}

function warmLine(warm: WarmResult): string {
  return `${warm.connections} clients: ${fixed(warm.requestsPerSecond)} req/s, p50 ${ms(warm.latencyP50Ms)}, p99 ${ms(warm.latencyP99Ms)}, ${warm.circleciCalls} CircleCI calls, ${fixed(warm.redisRoundTripsPerRequest, 2)} Redis round trips/req, ${fixed(warm.gatewayCpuMsPerRequest, 2)} ms CPU/req, ${warm.failures} failures`;
}

function baseline(result: BaselineResult, p50Ratio: number, p99Ratio: number): string {
  return `${result.connections} clients, ${result.requests} requests: p50 ${ms(result.latencyP50Ms)} (x${fixed(p50Ratio)} warm), p99 ${ms(result.latencyP99Ms)} (x${fixed(p99Ratio)}), ${fixed(result.circleciCallsPerRequest)} CircleCI calls/req, ${result.failures} failures`;
}

function fixed(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

function ms(value: number): string {
  return `${fixed(value, value < 10 ? 1 : 0)} ms`;
}

function kib(bytes: number): string {
  return `${fixed(bytes / 1024, 1)} KiB`;
}

function mib(bytes: number): string {
  return `${fixed(bytes / 1024 / 1024)} MiB`;
}
