/**
 * Scenario 3: the baselines, in the same run against the same simulator. Each answers a fixed number of
 * dashboards (they take seconds each, so a duration would measure a handful), a few clients at a time.
 */
import { runLoad } from "../load-process.js";
import type { GatewayRig } from "../gateway-rig.js";
import type { ServerProcess } from "../server-process.js";

export interface BaselineResult {
  connections: number;
  requests: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  failures: number;
  circleciCallsPerRequest: number;
}

export async function measureBaseline(rig: GatewayRig, server: ServerProcess): Promise<BaselineResult> {
  const { connections, requests } = rig.settings.baselines;
  const callsBefore = rig.sim.counters.total();
  const load = await runLoad({ url: server.url, body: rig.body, connections, amount: requests, durationSeconds: 1, timeoutSeconds: 300 });
  return {
    connections,
    requests: load.requests,
    latencyP50Ms: load.latencyP50Ms,
    latencyP99Ms: load.latencyP99Ms,
    failures: load.failures,
    circleciCallsPerRequest: (rig.sim.counters.total() - callsBefore) / Math.max(1, load.requests),
  };
}
