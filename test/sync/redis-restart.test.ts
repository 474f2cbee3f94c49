import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisStore } from "../../src/store/redis-store.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { HOUR_MS, startRig } from "./harness.js";
import type { SyncRig } from "./harness.js";

let redis: TestRedis;
let rig: SyncRig;

beforeAll(async () => {
  redis = await startTestRedis();
  rig = await startRig({
    store: new RedisStore({ url: redis.url, prefix: "sync-redis-restart:" }),
    // Latency stretches the cycle so that Redis goes away in the middle of it.
    simulator: { latencyMs: 10 },
  });
});

afterAll(async () => {
  await rig?.close();
  await redis?.stop();
});

describe("Redis stopped and restarted in the middle of a sync cycle", () => {
  it("fails that cycle without hanging, then converges to the truth once Redis is back", async () => {
    expect((await rig.engine.runCycle()).ok).toBe(true);
    rig.sim.world.advance(2 * HOUR_MS);

    // Stop Redis as soon as the cycle starts fetching workflows: mid-cycle, with writes still to come.
    const cycle = rig.engine.runCycle().then(
      (report) => ({ report, error: undefined }),
      (error: unknown) => ({ report: undefined, error }),
    );
    while (rig.sim.counters.byEndpoint()["GET /pipeline/{id}/workflow"] === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await redis.stop();
    const outcome = await cycle;
    expect(outcome.report?.ok ?? false).toBe(false);

    // The test server keeps nothing on disk: Redis comes back empty, cursors included, so the next cycle
    // is a first backfill on the same, reconnected store, and must still land on exactly the truth.
    await redis.start();
    const report = await rig.engine.runCycle();
    expect(report.ok).toBe(true);
    expect(await rig.differences()).toEqual([]);
  }, 60_000);
});
