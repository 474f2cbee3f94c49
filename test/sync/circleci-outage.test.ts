import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { CycleReport } from "../../src/sync/index.js";
import { endOutage } from "../support/outages.js";
import { HOUR_MS, NOW, startRig } from "./harness.js";
import type { SyncRig } from "./harness.js";

/** The sync against a dead CircleCI: the circuit breaker turns a cycle of timeouts and retries into fast failures. */
const PROJECTS = 6;
const THRESHOLD = 3;
const ATTEMPTS = 2;
const COOLDOWN_MS = 400;

let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

function errorsOf(report: CycleReport): string[] {
  return report.streams.flatMap((stream) => (stream.error === undefined ? [] : [stream.error]));
}

describe("a sync cycle while CircleCI is down", () => {
  it("fails fast once the breaker is open, reports why, and the first cycle after recovery converges", async () => {
    const current = (rig = await startRig({
      simulator: { world: { seed: 7, now: NOW, projects: PROJECTS, pipelinesPerProject: 4, historyDays: 14 } },
      client: { retry: { maxAttempts: ATTEMPTS, baseDelayMs: 1, maxDelayMs: 5 }, breaker: { failureThreshold: THRESHOLD, cooldownMs: COOLDOWN_MS } },
      // One project at a time, so the breaker opens at a known point of the cycle.
      engine: { concurrency: 1 },
    }));
    const { sim, engine } = current;
    expect((await engine.runCycle()).ok).toBe(true);
    for (const slug of current.slugs) sim.world.triggerPipeline(slug);
    sim.world.advance(HOUR_MS);

    sim.setFaults({ serverErrorRate: 1 });
    const before = sim.counters.total();
    const failing = await engine.runCycle();
    expect(failing.ok).toBe(false);
    // The first THRESHOLD projects each cost their attempts; the rest of the cycle sends nothing.
    expect(sim.counters.total() - before).toBe(THRESHOLD * ATTEMPTS);
    expect(failing.calls).toBe(THRESHOLD * ATTEMPTS);
    const errors = errorsOf(failing);
    expect(errors).toHaveLength(PROJECTS + 1);
    expect(errors.slice(0, THRESHOLD)).toEqual(Array(THRESHOLD).fill(expect.stringMatching(/^CircleCI answered GET \/project\/\{slug\} with 50[023] on all 2 attempts/)));
    expect(errors.slice(THRESHOLD)).toEqual(
      Array(PROJECTS + 1 - THRESHOLD).fill(
        expect.stringMatching(new RegExp(`^CircleCI is unavailable: it failed ${THRESHOLD} requests in a row \\(last: GET /project/\\{slug\\}: 50[023] .+\\)`)),
      ),
    );
    expect(current.client.stats.breaker).toEqual({ state: "open", opens: 1, consecutiveFailures: THRESHOLD });

    // While the breaker stays open, a whole cycle costs no call at all, and the status says why.
    const paused = await engine.runCycle();
    expect(paused.calls).toBe(0);
    expect(errorsOf(paused).every((error) => error.startsWith("CircleCI is unavailable:"))).toBe(true);
    const status = await current.store.getSyncStatus();
    expect(status.streams.filter((stream) => stream.stream === "projects").map((stream) => stream.lastError?.slice(0, 30))).toEqual(
      Array(PROJECTS).fill("CircleCI is unavailable: it fa"),
    );

    endOutage(sim);
    await sleep(COOLDOWN_MS + 20);
    const recovered = await engine.runCycle();
    expect(errorsOf(recovered)).toEqual([]);
    expect(recovered.ok).toBe(true);
    expect(current.client.stats.breaker).toEqual({ state: "closed", opens: 1, consecutiveFailures: 0 });
    expect(await current.differences()).toEqual([]);
  });
});
