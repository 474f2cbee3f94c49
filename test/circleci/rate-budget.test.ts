import { afterEach, describe, expect, it } from "vitest";
import { CircleCIClient } from "../../src/circleci/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { tinyWorld } from "../simulator/tiny-world.js";

/**
 * A client whose budget is the server's documented limit, against the simulator's fixed 1-second windows: the
 * simulator's counters show what reached "CircleCI", so no timing is asserted.
 */
const LIMIT = 40;
const SLUG = "gh/acme/api";

let sim: Simulator | undefined;
let client: CircleCIClient | undefined;

afterEach(async () => {
  await client?.close();
  await sim?.stop();
  client = undefined;
  sim = undefined;
});

describe("a client set to the server's rate limit", () => {
  it("uses its whole budget without a 429 and without pausing for spent windows", async () => {
    sim = await startSimulator({ world: tinyWorld().world, latencyMs: 5, rateLimit: { requestsPerSecond: LIMIT } });
    client = new CircleCIClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: LIMIT, concurrency: 8 });
    const calls = 3 * LIMIT;
    const projects = await Promise.all(Array.from({ length: calls }, () => client!.getProject(SLUG)));
    expect(projects).toHaveLength(calls);
    // A bucket's burst on top of a second's refill, or a spent window's whole-second pause, shows up here.
    expect(sim.counters.byStatus()).toEqual({ "200": calls });
    expect(client.stats.rateLimitWaits.count).toBe(0);
  });
});
