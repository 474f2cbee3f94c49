import { describe, expect, it } from "vitest";
import { storeReadiness } from "../../src/server/index.js";
import { MemoryStore } from "../../src/store/index.js";

describe("storeReadiness", () => {
  it("is not ready until a sync cycle completed, then ready", async () => {
    const store = new MemoryStore();
    const readiness = storeReadiness(store);
    expect(await readiness()).toEqual({ ready: false, reason: "no sync cycle has completed yet" });

    await store.putSyncSummary({ running: true, cycles: 0, lastCycleStartedAt: "2026-01-01T00:00:00Z" });
    expect(await readiness()).toEqual({ ready: false, reason: "no sync cycle has completed yet" });

    await store.putSyncSummary({ running: false, cycles: 1, lastCycleStartedAt: "2026-01-01T00:00:00Z", lastCycleCompletedAt: "2026-01-01T00:00:05Z" });
    expect(await readiness()).toEqual({ ready: true });
  });

  it("is not ready when the store does not answer, and says why", async () => {
    const store = new MemoryStore();
    await store.putSyncSummary({ running: false, cycles: 1, lastCycleCompletedAt: "2026-01-01T00:00:05Z" });
    await store.close();
    const readiness = await storeReadiness(store)();
    expect(readiness.ready).toBe(false);
    expect(readiness).toMatchObject({ reason: expect.stringMatching(/^degraded: the store does not answer: .*closed/) });
  });
});
