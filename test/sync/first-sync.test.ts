import { afterEach, describe, expect, it } from "vitest";
import { startRig } from "./harness.js";
import type { SyncRig } from "./harness.js";

let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe("first sync", () => {
  it("makes the store equal to CircleCI for the backfill window and announces nothing", async () => {
    rig = await startRig();
    expect((await rig.differences()).length).toBeGreaterThan(0);
    const report = await rig.engine.runCycle();
    expect(report.streams.filter((stream) => stream.error !== undefined)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(await rig.differences()).toEqual([]);
    expect(await rig.takeEvents()).toEqual([]);
  });
});
