import { CircleCIClient } from "../../src/circleci/index.js";
import type { CircleCIClientOptions } from "../../src/circleci/index.js";
import type { Simulator } from "../../src/simulator/index.js";

/** The instant simulated worlds start from in tests, so every run sees the same history. */
export const NOW = Date.parse("2025-06-01T12:00:00.000Z");
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/**
 * A client on a simulator, quick for tests: a budget no test reaches (the simulator limits only when asked) and
 * millisecond retry backoff. `overrides` win.
 */
export function simulatorClient(sim: Simulator, overrides: Partial<CircleCIClientOptions> = {}): CircleCIClient {
  return new CircleCIClient({
    token: sim.token,
    baseUrl: sim.url,
    requestsPerSecond: 10_000,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...overrides,
  });
}
