import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { CircleCIUnavailableError, ProjectNotFoundError, RateLimitedError } from "../../src/circleci/index.js";
import { endOutage, OUTAGE_TIMEOUTS, outages } from "../support/outages.js";
import { useSimulatedCircleCI } from "./support/simulated-circleci.js";

/** The circuit breaker against the simulator: the simulator's counters prove what reached "CircleCI". */
const THRESHOLD = 3;
const ATTEMPTS = 2;
const COOLDOWN_MS = 400;
/** Timers may fire a millisecond early. */
const PAST_COOLDOWN_MS = COOLDOWN_MS + 20;
const SLUG = "gh/acme/api";

const setUp = useSimulatedCircleCI();

function start(): ReturnType<typeof setUp> {
  return setUp({
    requestsPerSecond: 10_000,
    retry: { maxAttempts: ATTEMPTS, baseDelayMs: 1, maxDelayMs: 5 },
    timeouts: OUTAGE_TIMEOUTS,
    breaker: { failureThreshold: THRESHOLD, cooldownMs: COOLDOWN_MS, maxCooldownMs: 4 * COOLDOWN_MS },
  });
}

const settle = <T>(call: Promise<T>) => call.then((value) => ({ value }), (error: unknown) => ({ error }));

describe.each(outages)("CircleCI $name", (outage) => {
  it("opens the breaker after the threshold, sends nothing while open, probes once per cooldown and closes on recovery", async () => {
    const { sim, client } = await start();
    expect((await client.getProject(SLUG)).slug).toBe(SLUG);
    outage.start(sim);

    const before = sim.counters.total();
    const failing = await Promise.all(Array.from({ length: THRESHOLD }, () => settle(client.getProject(SLUG))));
    for (const outcome of failing) expect((outcome as { error: unknown }).error).toBeInstanceOf(outage.failure);
    expect(sim.counters.total() - before).toBe(THRESHOLD * ATTEMPTS);
    expect(client.stats.breaker).toEqual({ state: "open", opens: 1, consecutiveFailures: THRESHOLD });

    const whileOpen = sim.counters.total();
    const refused = await Promise.all(Array.from({ length: 10 }, () => settle(client.getPipeline("00000000-0000-4000-8000-000000000001"))));
    expect(sim.counters.total()).toBe(whileOpen);
    for (const outcome of refused) expect((outcome as { error: unknown }).error).toBeInstanceOf(CircleCIUnavailableError);
    const message = (refused[0] as { error: Error }).error.message;
    expect(message).toMatch(
      new RegExp(`^CircleCI is unavailable: it failed ${THRESHOLD} requests in a row \\(last: GET /project/\\{slug\\}: .+\\), so GET /pipeline/\\{id\\} was not sent; calls to it are paused for 1 s more, then one probe request is sent\\.`),
    );
    expect(message).not.toContain(sim.token);

    // Still down after the cooldown: calls at once send exactly one probe, of one attempt; the others
    // wait for its verdict and are refused with it, and the pause doubles.
    await sleep(PAST_COOLDOWN_MS);
    const beforeProbe = sim.counters.total();
    const [failedProbe, ...held] = await Promise.all(Array.from({ length: 5 }, () => settle(client.getProject(SLUG))));
    expect((failedProbe as { error: unknown }).error).toBeInstanceOf(outage.failure);
    for (const outcome of held) {
      expect((outcome as { error: Error }).error).toBeInstanceOf(CircleCIUnavailableError);
      expect((outcome as { error: Error }).error.message).toMatch(/failed 4 requests in a row .* paused for 1 s more, then one probe request is sent/);
    }
    expect(sim.counters.total() - beforeProbe).toBe(1);
    expect(client.stats.breaker).toEqual({ state: "open", opens: 2, consecutiveFailures: THRESHOLD + 1 });
    await sleep(PAST_COOLDOWN_MS);
    await expect(client.getProject(SLUG)).rejects.toBeInstanceOf(CircleCIUnavailableError);

    // Back up: after the (doubled) cooldown the probe succeeds, the calls that waited for it go out, and calls flow.
    endOutage(sim);
    await sleep(PAST_COOLDOWN_MS);
    const beforeRecovery = sim.counters.total();
    const recovered = await Promise.all(Array.from({ length: 5 }, () => client.getProject(SLUG)));
    expect(recovered.map((project) => project.slug)).toEqual(Array(5).fill(SLUG));
    expect(sim.counters.total() - beforeRecovery).toBe(5);
    expect(client.stats.breaker).toEqual({ state: "closed", opens: 2, consecutiveFailures: 0 });
    expect((await client.getProject(SLUG)).slug).toBe(SLUG);
    expect(sim.counters.total() - beforeRecovery).toBe(6);
  });
});

describe("answers that are not outages", () => {
  it("404s and 429s never open the breaker, however many come in a row", async () => {
    const { sim, client } = await start();
    for (let i = 0; i < THRESHOLD + 1; i++) await expect(client.getProject("gh/acme/secret")).rejects.toBeInstanceOf(ProjectNotFoundError);
    sim.inject({ kind: "429", retryAfterSeconds: 0, count: (THRESHOLD + 1) * ATTEMPTS });
    for (let i = 0; i < THRESHOLD + 1; i++) await expect(client.getProject(SLUG)).rejects.toBeInstanceOf(RateLimitedError);
    expect(client.stats.breaker).toEqual({ state: "closed", opens: 0, consecutiveFailures: 0 });
    expect((await client.getProject(SLUG)).slug).toBe(SLUG);
  });

  it("an answer between failures starts the count over", async () => {
    const { sim, client } = await start();
    sim.inject({ kind: "500", count: (THRESHOLD - 1) * ATTEMPTS });
    for (let i = 0; i < THRESHOLD - 1; i++) await expect(client.getProject(SLUG)).rejects.toThrow(/500/);
    await expect(client.getProject("gh/acme/secret")).rejects.toBeInstanceOf(ProjectNotFoundError);
    sim.inject({ kind: "500", count: (THRESHOLD - 1) * ATTEMPTS });
    for (let i = 0; i < THRESHOLD - 1; i++) await expect(client.getProject(SLUG)).rejects.toThrow(/500/);
    expect(client.stats.breaker).toEqual({ state: "closed", opens: 0, consecutiveFailures: THRESHOLD - 1 });
  });
});
