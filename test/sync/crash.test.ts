import { afterEach, describe, expect, it } from "vitest";
import { MemoryStore } from "../../src/store/memory-store.js";
import { eventKey, interceptWrites, NOW, startRig, syncThenMakeActivity } from "./harness.js";
import type { SyncRig } from "./harness.js";

let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});


class SimulatedCrash extends Error {}

/**
 * A store whose writes fail from the `failAt`-th on (counting from when it is armed), as if the process died
 * there: everything before it was written, nothing after it is. Each batch of trees is one write (children
 * before parents), its events are cleared from the outbox by the next, and cursors come last, so the next cycle
 * must find the rest and announce each change once. The cycle below makes 11 writes: each is the last one once.
 */
describe("a cycle that dies at any write", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])("converges on the next cycle, announcing each change once (write %i fails)", async (failAt) => {
    let writes = -Infinity;
    const store = interceptWrites(new MemoryStore(), () => {
      writes += 1;
      if (writes >= failAt) throw new SimulatedCrash("killed");
    });
    const current = (rig = await startRig({
      store,
      simulator: { world: { seed: 5, now: NOW, projects: 2, pipelinesPerProject: 6, historyDays: 14 } },
    }));
    const expected = await syncThenMakeActivity(current, 3 * 60_000);

    writes = 0;
    const crashed = await current.engine.runCycle().catch((error: unknown) => error);
    expect(writes).toBeGreaterThanOrEqual(failAt);
    if (!(crashed instanceof SimulatedCrash)) expect(crashed).toMatchObject({ ok: false });

    writes = -Infinity;
    expect((await current.engine.runCycle()).ok).toBe(true);
    expect(await current.differences()).toEqual([]);
    const keys = (await current.takeEvents()).map(eventKey);
    expect(keys.sort()).toEqual(expected);
  });
});

/**
 * The gap between a write and its announcement: the bus fails (or the process dies) after the store took the
 * change. The next cycle finds nothing to write, so only the outbox can still announce it.
 */
describe("a cycle whose announcements fail after their writes", () => {
  it("announces every change on the next cycle, from the outbox, though nothing is left to write", async () => {
    const current = (rig = await startRig({
      simulator: { world: { seed: 5, now: NOW, projects: 2, pipelinesPerProject: 6, historyDays: 14 } },
      engine: { stagedEventsMinAgeMs: 0 },
    }));
    const expected = await syncThenMakeActivity(current, 3 * 60_000);
    expect(expected.length).toBeGreaterThan(0);

    const { bus } = current;
    const publish = bus.publish.bind(bus);
    bus.publish = async () => {
      throw new Error("the bus went down after the write");
    };
    const failed = await current.engine.runCycle();
    expect(failed.ok).toBe(false);
    expect(await current.takeEvents()).toEqual([]);
    expect((await current.store.listStagedEvents()).length).toBeGreaterThan(0);

    bus.publish = publish;
    expect((await current.engine.runCycle()).ok).toBe(true);
    expect(await current.differences()).toEqual([]);
    // At least once: a parent whose children's announcement failed is written, and announced, by this cycle too.
    const keys = new Set((await current.takeEvents()).map(eventKey));
    expect([...keys].sort()).toEqual(expected);
    expect(await current.store.listStagedEvents()).toEqual([]);
  });
});
