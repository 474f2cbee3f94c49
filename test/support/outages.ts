import { NetworkError, ResponseFormatError, UpstreamError } from "../../src/circleci/index.js";
import type { CircleCIError } from "../../src/circleci/index.js";
import type { Simulator } from "../../src/simulator/index.js";

/**
 * The ways CircleCI has a bad day, played by the simulator, for the tests that check what the
 * client, the read path and the sync do meanwhile. Clients in those tests use `OUTAGE_TIMEOUTS`,
 * so that "slow" is slower than their timeout.
 */
export interface Outage {
  name: string;
  start(sim: Simulator): void;
  /** What a request gets once its retries are over, before the circuit breaker opens. */
  failure: abstract new (...args: never[]) => CircleCIError;
  /** How that error's message begins. */
  says: RegExp;
}

export const OUTAGE_TIMEOUTS = { headersMs: 100, bodyMs: 100 };

/** undici checks these timeouts on a coarse timer (about a second): "slow" must be well past that. */
const SLOW_LATENCY_MS = 2500;

export const outages: readonly Outage[] = [
  {
    name: "down (5xx)",
    start: (sim) => sim.setFaults({ serverErrorRate: 1 }),
    failure: UpstreamError,
    says: /^CircleCI answered GET \S+ with 50[023] /u,
  },
  {
    name: "slow (no answer within the timeout)",
    start: (sim) => sim.setLatency(SLOW_LATENCY_MS),
    failure: NetworkError,
    says: /^GET \S+ failed without an HTTP answer /u,
  },
  {
    name: "answering garbage (HTML with status 200)",
    start: (sim) => sim.setFaults({ garbageRate: 1 }),
    failure: ResponseFormatError,
    says: /^GET \S+ answered with a body the client cannot use /u,
  },
];

export function endOutage(sim: Simulator): void {
  sim.setFaults(null);
  sim.setLatency(0);
}
