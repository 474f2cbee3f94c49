import { describe, expect, it } from "vitest";
import { storeReadiness } from "../../src/server/index.js";
import { MemoryEventBus, MemoryStore } from "../../src/store/index.js";
import { StoreWriter } from "../../src/writer/index.js";
import type { SyncWriter } from "../../src/writer/index.js";

function syncWriter(store: MemoryStore): SyncWriter {
  return new StoreWriter({ store, bus: new MemoryEventBus() }).forSync(undefined);
}

describe("storeReadiness", () => {
  it("is not ready until a sync cycle completed, then ready", async () => {
    const store = new MemoryStore();
    const writer = syncWriter(store);
    const readiness = storeReadiness(store);
    expect(await readiness()).toEqual({ ready: false, reason: "no sync cycle has completed yet" });

    await writer.putSyncSummary({ running: true, cycles: 0, lastCycleStartedAt: "2026-01-01T00:00:00Z" });
    expect(await readiness()).toEqual({ ready: false, reason: "no sync cycle has completed yet" });

    await writer.putSyncSummary({ running: false, cycles: 1, lastCycleStartedAt: "2026-01-01T00:00:00Z", lastCycleCompletedAt: "2026-01-01T00:00:05Z" });
    expect(await readiness()).toEqual({ ready: true });
  });

  it("is not ready when the store does not answer, and says why", async () => {
    const store = new MemoryStore();
    await syncWriter(store).putSyncSummary({ running: false, cycles: 1, lastCycleCompletedAt: "2026-01-01T00:00:05Z" });
    await store.close();
    const readiness = await storeReadiness(store)();
    expect(readiness.ready).toBe(false);
    expect(readiness).toMatchObject({ reason: expect.stringMatching(/^degraded: the store does not answer: .*closed/) });
  });
});
