/**
 * Scenario 1 (and 7, the gateway's memory): the dashboard against a warm cache, 16 concurrent clients, after a
 * short warm-up that is not counted. CircleCI calls must be 0; Redis round trips are counted by the gateway.
 */
import { runLoad } from "../load-process.js";
import type { GatewayRig } from "../gateway-rig.js";
import type { ServerProcess } from "../server-process.js";

export interface WarmResult {
  connections: number;
  requests: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  failures: number;
  circleciCalls: number;
  redisRoundTripsPerRequest: number;
  gatewayRssPeakBytes: number;
  /**
   * The gateway's CPU time per request, in ms: what one answer costs, which (unlike requests per second) other
   * processes on the machine do not move.
   */
  gatewayCpuMsPerRequest: number;
}

const RSS_SAMPLE_MS = 250;

/** `body`: the request every client sends; default the dashboard. */
export async function measureWarm(rig: GatewayRig, server: ServerProcess, body: string = rig.body): Promise<WarmResult> {
  const { connections, warmupSeconds, durationSeconds } = rig.settings.warm;
  const spec = { url: server.url, body, connections, timeoutSeconds: 30 };
  await runLoad({ ...spec, durationSeconds: warmupSeconds });

  const callsBefore = rig.sim.counters.total();
  const before = await server.stats();
  let rssPeak = before.rssBytes;
  const sampler = setInterval(() => {
    void server.stats().then((stats) => (rssPeak = Math.max(rssPeak, stats.rssBytes)), () => undefined);
  }, RSS_SAMPLE_MS);
  const load = await runLoad({ ...spec, durationSeconds }).finally(() => clearInterval(sampler));
  const after = await server.stats();
  return {
    connections,
    requests: load.requests,
    requestsPerSecond: load.requestsPerSecond,
    latencyP50Ms: load.latencyP50Ms,
    latencyP99Ms: load.latencyP99Ms,
    failures: load.failures,
    circleciCalls: rig.sim.counters.total() - callsBefore,
    redisRoundTripsPerRequest: (after.redisRoundTrips - before.redisRoundTrips) / Math.max(1, load.requests),
    gatewayRssPeakBytes: Math.max(rssPeak, after.rssBytes),
    gatewayCpuMsPerRequest: (after.cpuMicros - before.cpuMicros) / 1000 / Math.max(1, load.requests),
  };
}
