import { afterAll, describe, expect, it } from "vitest";
import { CircleCIClient } from "../../src/circleci/index.js";
import { createLoaderFactory } from "../../src/loaders/index.js";
import { MemoryEventBus } from "../../src/store/events.js";
import { LocalInvalidations } from "../../src/store/invalidations.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { StoreWriter } from "../../src/writer/index.js";

describe("loader factory options", () => {
  // Never called: the checks run before any request.
  const client = new CircleCIClient({ token: "unused", baseUrl: "http://127.0.0.1:9" });
  const invalidations = new LocalInvalidations();
  const store = new MemoryStore({ invalidations });
  const writer = new StoreWriter({ store, bus: new MemoryEventBus() });
  afterAll(async () => {
    await client.close();
  });

  it.each([
    [{ concurrency: 0 }, /concurrency must be an integer >= 1, got 0/],
    [{ concurrency: 1.5 }, /concurrency must be an integer >= 1/],
    [{ l1MaxEntries: 0 }, /l1MaxEntries must be an integer >= 1, got 0/],
  ])("refuses %j with a RangeError that names the option", (options, message) => {
    expect(() => createLoaderFactory({ store, client, writer, invalidations, ...options })).toThrow(RangeError);
    expect(() => createLoaderFactory({ store, client, writer, invalidations, ...options })).toThrow(message);
  });

  it("serves the store's contexts and sync status through the L1 until a write changes them", async () => {
    const factory = createLoaderFactory({ store, client, writer, invalidations });
    await writer.forSync(undefined).replaceContexts([{ id: "c1", name: "deploy", created_at: "2025-05-30T10:00:00.000Z", environment_variables: [] }]);
    const loaders = factory.forRequest();
    expect((await loaders.contexts()).map((context) => context.name)).toEqual(["deploy"]);
    expect((await factory.forRequest().contexts()).map((context) => context.name)).toEqual(["deploy"]);
    await writer.forSync(undefined).replaceContexts([]);
    expect(await factory.forRequest().contexts()).toEqual([]);
    expect(await loaders.syncStatus()).toEqual({ running: false, cycles: 0, streams: [] });
    expect(factory.stats.l1).toEqual({ hits: 1, misses: 3 });
    await factory.close();
  });
});
