import { describe, expect, it } from "vitest";
import { useSimulatedCircleCI } from "./support/simulated-circleci.js";

/**
 * A client whose budget is the server's documented limit, against the simulator's fixed 1-second windows: the
 * simulator's counters show what reached "CircleCI", so no timing is asserted.
 */
const LIMIT = 40;
const SLUG = "gh/acme/api";

const setUp = useSimulatedCircleCI();

describe("a client set to the server's rate limit", () => {
  it("uses its whole budget without a 429 and without pausing for spent windows", async () => {
    const { sim, client } = await setUp({ requestsPerSecond: LIMIT, concurrency: 8 }, { latencyMs: 5, rateLimit: { requestsPerSecond: LIMIT } });
    const calls = 3 * LIMIT;
    const projects = await Promise.all(Array.from({ length: calls }, () => client.getProject(SLUG)));
    expect(projects).toHaveLength(calls);
    // A bucket's burst on top of a second's refill, or a spent window's whole-second pause, shows up here.
    expect(sim.counters.byStatus()).toEqual({ "200": calls });
    expect(client.stats.rateLimitWaits.count).toBe(0);
  });
});
