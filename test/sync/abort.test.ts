import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { eventKey, interceptWrites, NOW, startRig, syncThenMakeActivity, writeKinds } from "./harness.js";
import type { SyncRig } from "./harness.js";
import { storeKinds } from "./stores.js";

let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});


interface AbortableRig {
  rig: SyncRig;
  /** What the store writes that began after the abort wrote. */
  writesAfterAbort: string[][];
  cycleAbortedAfter(requests: number): ReturnType<SyncRig["engine"]["runCycle"]>;
}

/**
 * A rig whose cycles can be aborted after a given number of CircleCI requests, as a lost lock
 * would. One project, so every write follows the fetches before it and "nothing written after the
 * abort" is exact (with several, a batch already writing when another project's fetch triggers
 * the abort finishes its writes first: the safe point is between batches).
 */
async function abortableRig(store: Store): Promise<AbortableRig> {
  let remaining = Infinity;
  let controller = new AbortController();
  const writesAfterAbort: string[][] = [];
  const recording = interceptWrites(store, (batch) => {
    if (controller.signal.aborted) writesAfterAbort.push(writeKinds(batch));
  });
  const started = await startRig({
    simulator: { world: { seed: 11, now: NOW, projects: 1, pipelinesPerProject: 16, historyDays: 14 } },
    client: { onRequest: () => void (--remaining === 0 && controller.abort()) },
    store: recording,
  });
  return {
    rig: started,
    writesAfterAbort,
    async cycleAbortedAfter(requests) {
      controller = new AbortController();
      remaining = requests;
      try {
        return await started.engine.runCycle(controller.signal);
      } finally {
        remaining = Infinity;
      }
    },
  };
}

describe.each(storeKinds())("a cycle aborted mid-way ($name)", ({ create }) => {
  it.each([1, 60])("during the first backfill (after %i requests) writes nothing more, and the next cycle converges", async (requests) => {
    const abortable = await abortableRig(create());
    const current = (rig = abortable.rig);
    const aborted = await abortable.cycleAbortedAfter(requests);
    expect(aborted).toMatchObject({ ok: false, aborted: true });
    expect(abortable.writesAfterAbort).toEqual([]);
    expect((await current.store.getSyncStatus()).cycles).toBe(0);

    expect((await current.engine.runCycle()).ok).toBe(true);
    expect(await current.differences()).toEqual([]);
    expect(await current.takeEvents()).toEqual([]);
  });

  it.each([2, 15])("in steady state (after %i requests) loses no change and announces none twice", async (requests) => {
    const abortable = await abortableRig(create());
    const current = (rig = abortable.rig);
    const expected = await syncThenMakeActivity(current, 2 * 60_000);

    expect((await abortable.cycleAbortedAfter(requests)).aborted).toBe(true);
    expect(abortable.writesAfterAbort).toEqual([]);
    expect((await current.engine.runCycle()).ok).toBe(true);
    expect(await current.differences()).toEqual([]);
    const keys = (await current.takeEvents()).map(eventKey);
    expect(keys.sort()).toEqual(expected);
  });
});

describe("runCycle", () => {
  it("does nothing at all when its signal is already aborted", async () => {
    const current = (rig = await startRig({ simulator: { world: { seed: 2, now: NOW, projects: 1, pipelinesPerProject: 3 } } }));
    const report = await current.engine.runCycle(AbortSignal.abort());
    expect(report).toMatchObject({ ok: false, aborted: true, streams: [], calls: 0 });
    expect(current.sim.counters.total()).toBe(0);
    expect(await current.store.getSyncStatus()).toMatchObject({ running: false, cycles: 0, streams: [] });
  });

  it("refuses to start a second cycle while one runs", async () => {
    const current = (rig = await startRig({ simulator: { world: { seed: 2, now: NOW, projects: 1, pipelinesPerProject: 3 } } }));
    const first = current.engine.runCycle();
    await expect(current.engine.runCycle()).rejects.toThrow(/already running/);
    expect((await first).ok).toBe(true);
  });
});
