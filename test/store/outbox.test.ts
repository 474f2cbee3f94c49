import { describe, expect, it } from "vitest";
import type { ChangeEvent } from "../../src/store/events.js";
import { MemoryEventBus } from "../../src/store/events.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { publishStaged, stagedBatchId, writeAndPublish } from "../../src/store/outbox.js";
import { PROJECT, at, pipeline as pipelineAt } from "./fixtures.js";

const pipeline = (n: number) => pipelineAt(n, at(n));
const created = (n: number): ChangeEvent => ({ type: "pipeline.created", projectSlug: PROJECT, pipeline: pipeline(n) });

/** A bus that records what it carried, or fails while `down`. */
function recordingBus() {
  const carried: ChangeEvent[][] = [];
  return {
    carried,
    down: false,
    async publish(events: readonly ChangeEvent[]) {
      if (this.down) throw new Error("bus down");
      carried.push([...events]);
    },
  };
}

describe("writeAndPublish", () => {
  it("publishes only after the write, and leaves nothing staged", async () => {
    const store = new MemoryStore();
    const bus = new MemoryEventBus();
    const seen: (string | undefined)[] = [];
    // A subscriber reads what it was told about: the store must already hold it.
    await bus.subscribe(async (event) => {
      if (event.type === "pipeline.created") seen.push((await store.getPipelines([event.pipeline.id]))[0]?.id);
    });
    await writeAndPublish(store, bus, [created(1)], () => store.putPipelines([pipeline(1)]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([pipeline(1).id]);
    expect(await store.listStagedEvents()).toEqual([]);
  });

  it("keeps the events staged when the publish fails after the write, for publishStaged to send", async () => {
    const store = new MemoryStore();
    const bus = recordingBus();
    bus.down = true;
    await expect(writeAndPublish(store, bus, [created(1), created(2)], () => store.putPipelines([pipeline(1), pipeline(2)]))).rejects.toThrow("bus down");
    expect((await store.getPipelines([pipeline(2).id]))[0]).toBeDefined();

    bus.down = false;
    expect(await publishStaged(store, bus, 0)).toBe(2);
    expect(bus.carried).toEqual([[created(1), created(2)]]);
    expect(await store.listStagedEvents()).toEqual([]);
  });

  it("stages nothing and publishes nothing when the write fails", async () => {
    const store = new MemoryStore();
    const bus = recordingBus();
    const write = async () => {
      throw new Error("write refused");
    };
    await expect(writeAndPublish(store, bus, [created(1)], write)).rejects.toThrow("write refused");
    expect(await store.listStagedEvents()).toEqual([]);
    expect(bus.carried).toEqual([]);
  });

  it("only writes when there is nothing to announce", async () => {
    const store = new MemoryStore();
    const bus = recordingBus();
    bus.down = true;
    await writeAndPublish(store, bus, [], () => store.putPipelines([pipeline(3)]));
    expect((await store.getPipelines([pipeline(3).id]))[0]).toBeDefined();
  });
});

describe("publishStaged", () => {
  it("sends batches oldest first, leaves ones younger than the minimum age to their writer", async () => {
    const store = new MemoryStore();
    const bus = recordingBus();
    const now = 1_000_000;
    await store.stageEvents(stagedBatchId(now - 5_000), [created(2)]);
    await store.stageEvents(stagedBatchId(now - 20_000), [created(1)]);
    await store.stageEvents(stagedBatchId(now - 1_000), [created(3)]);
    expect(await publishStaged(store, bus, 4_000, now)).toBe(2);
    expect(bus.carried).toEqual([[created(1)], [created(2)]]);
    expect((await store.listStagedEvents()).map(({ events }) => events)).toEqual([[created(3)]]);
  });

  it("stops at a failing publish with the rest still staged", async () => {
    const store = new MemoryStore();
    const bus = recordingBus();
    await store.stageEvents(stagedBatchId(1), [created(1)]);
    bus.down = true;
    await expect(publishStaged(store, bus, 0)).rejects.toThrow("bus down");
    expect(await store.listStagedEvents()).toHaveLength(1);
  });
});
