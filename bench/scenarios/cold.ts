/**
 * Scenario 4: the dashboard against an empty cache, asked by two clients at once. Every CircleCI call it needs
 * is counted from the simulator's world; anything beyond that is a duplicate. The wall time is set against the
 * least the latency allows: the longest chain of dependent calls, or the calls spread over the gate's
 * concurrency, or the calls at the rate limit, whichever is longest.
 */
import { performance } from "node:perf_hooks";
import { jobKey } from "../../src/simulator/state.js";
import { isTerminalJobStatus } from "../../src/sync/index.js";
import { fetchDashboard } from "../gateway-rig.js";
import type { GatewayRig } from "../gateway-rig.js";
import type { ServerProcess } from "../server-process.js";

export interface ColdResult {
  clients: number;
  wallMs: number;
  latencyBoundMs: number;
  circleciCalls: number;
  neededCalls: number;
  duplicateCalls: number;
  missingCalls: number;
}

const CLIENTS = 2;
/** After the listing pages: a pipeline's workflows, a workflow's jobs, a job's details, then its steps. */
const CHAIN_AFTER_LISTING = 4;

export async function measureCold(rig: GatewayRig, server: ServerProcess): Promise<ColdResult> {
  rig.sim.counters.reset();
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, () => fetchDashboard(server.url, rig.body)));
  const wallMs = performance.now() - started;

  const needed = neededCalls(rig);
  const made = rig.sim.counters.byEndpoint();
  const endpoints = new Set([...Object.keys(needed), ...Object.keys(made)]);
  let duplicateCalls = 0;
  let missingCalls = 0;
  for (const endpoint of endpoints) {
    const difference = (made[endpoint] ?? 0) - (needed[endpoint] ?? 0);
    if (difference > 0) duplicateCalls += difference;
    else missingCalls -= difference;
  }
  const neededTotal = Object.values(needed).reduce((sum, count) => sum + count, 0);
  const { latencyMs, gatewayConcurrency, gatewayRateLimit } = rig.settings;
  const pages = needed["GET /project/{slug}/pipeline"] ?? 0;
  const latencyBoundMs = Math.max(
    (pages + CHAIN_AFTER_LISTING) * latencyMs,
    Math.ceil(neededTotal / gatewayConcurrency) * latencyMs,
    (neededTotal / gatewayRateLimit) * 1000,
  );
  return { clients: CLIENTS, wallMs, latencyBoundMs, circleciCalls: rig.sim.counters.total(), neededCalls: neededTotal, duplicateCalls, missingCalls };
}

/** Each call the dashboard needs, once: the listing pages, then one call per pipeline, workflow and job. */
function neededCalls(rig: GatewayRig): Record<string, number> {
  const { state } = rig.sim.world;
  const { first } = rig.variables;
  const newest = state.pipelinesByProject.get(rig.slug) ?? [];
  const pipelineIds = newest.slice(0, first);
  const workflowIds = pipelineIds.flatMap((id) => state.workflowsByPipeline.get(id) ?? []);
  const jobs = workflowIds.flatMap((id) => state.jobsByWorkflow.get(id) ?? []);
  const numbers = [...new Set(jobs.flatMap((job) => (job.type === "build" && job.job_number != null ? [job.job_number] : [])))];
  const terminal = numbers.filter((number) => {
    const details = state.jobDetails.get(jobKey(rig.slug, number));
    return details !== undefined && isTerminalJobStatus(details.status);
  });
  // The listing reads one pipeline past the page to tell whether another page follows.
  const pages = Math.min(Math.ceil((first + 1) / rig.settings.pageSize), Math.ceil(newest.length / rig.settings.pageSize));
  return {
    "GET /project/{slug}/pipeline": pages,
    "GET /pipeline/{id}/workflow": pipelineIds.length,
    "GET /workflow/{id}/job": workflowIds.length,
    "GET /project/{slug}/job/{number}": numbers.length,
    "GET v1.1 /project/{slug}/{number}": terminal.length,
  };
}
