import { afterEach, describe, expect, it } from "vitest";
import { RedisStore } from "../../src/store/redis-store.js";
import { startRig } from "./harness.js";
import type { SyncRig } from "./harness.js";
import { storeKinds } from "./stores.js";

let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const kinds = storeKinds();

describe.each(kinds)("first sync on $name", ({ create }) => {
  it("makes the store equal to CircleCI for the backfill window and announces nothing", async () => {
    rig = await startRig({ store: create() });
    expect((await rig.differences()).length).toBeGreaterThan(0);
    const report = await rig.engine.runCycle();
    expect(report.streams.filter((stream) => stream.error !== undefined)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(await rig.differences()).toEqual([]);
    expect(await rig.takeEvents()).toEqual([]);

    const status = await rig.store.getSyncStatus();
    expect(status).toMatchObject({ running: false, cycles: 1, lastCycleCompletedAt: report.completedAt });
    expect(status.streams).toHaveLength(rig.slugs.length * 5 + 1);
    expect(status.streams.every((stream) => stream.lastSuccessAt === report.completedAt && stream.lastError === undefined)).toBe(true);
  });
});

describe("store writes", () => {
  it("come in batches: Redis round trips follow pipeline pages, not entities", async () => {
    const store = kinds.find((kind) => kind.name === "RedisStore")?.create();
    if (!(store instanceof RedisStore)) throw new Error("no RedisStore kind");
    rig = await startRig({ store });
    const report = await rig.engine.runCycle();
    const pages = report.streams.filter((stream) => stream.stream === "pipelines").reduce((sum, stream) => sum + stream.pages, 0);
    const entities = report.streams.reduce((sum, stream) => sum + stream.records, 0);
    // Per page of pipelines: 4 reads and 5 writes at most; per project its cursor; per cycle ~10.
    expect(store.roundTrips).toBeLessThanOrEqual(9 * pages + 2 * rig.slugs.length + 10);
    expect(entities).toBeGreaterThan(10 * store.roundTrips);
  });
});
