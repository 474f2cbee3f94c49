import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { keyLayout, RedisInvalidations, RedisStore } from "../../src/store/index.js";
import type { Tag } from "../../src/store/tags.js";
import { waitFor } from "../server/wait-for.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { at, pipeline, workflow, write, writes } from "./fixtures.js";

let server: TestRedis;
let admin: Redis;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  server = await startTestRedis();
  admin = new Redis(server.url);
  admin.on("error", () => undefined);
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

afterAll(async () => {
  admin.disconnect();
  await server?.stop();
});

interface Instance {
  invalidations: RedisInvalidations;
  heard: Tag[][];
  resets: number;
}

/** One instance's invalidations, live (a first barrier waits for the subscription), recording what it hears. */
async function listening(prefix: string, barrierTimeoutMs?: number): Promise<Instance> {
  const invalidations = RedisInvalidations.connect(server.url, { prefix, barrierTimeoutMs });
  closers.push(() => invalidations.close());
  const instance: Instance = { invalidations, heard: [], resets: 0 };
  invalidations.subscribe((changed) => void instance.heard.push([...changed]));
  invalidations.onReset(() => void (instance.resets += 1));
  await invalidations.barrier();
  return instance;
}

function storeOf(prefix: string): RedisStore {
  const store = new RedisStore({ url: server.url, prefix });
  closers.push(() => store.close());
  return store;
}

const p1 = pipeline(1, at(1));

describe("RedisInvalidations", () => {
  it("delivers every write's tags, in order, to every instance by the time its barrier resolves", async () => {
    const prefix = `inv-${randomUUID()}:`;
    const [one, two] = await Promise.all([listening(prefix), listening(prefix)]);
    const store = storeOf(prefix);
    const first = await write(store, writes.pipelines([p1]));
    await write(store, writes.pipelines([p1]));
    const second = await write(store, writes.workflows([workflow(10, p1.id, at(1))]));
    for (const instance of [one, two]) {
      await instance.invalidations.barrier();
      expect(instance.heard).toStrictEqual([first.changed, second.changed]);
      expect(instance.resets).toBe(0);
    }
  });

  it("shares one read of the write sequence among the barriers that arrived before it was sent", async () => {
    const instance = await listening(`inv-${randomUUID()}:`);
    const before = instance.invalidations.sequenceReads;
    await Promise.all(Array.from({ length: 10 }, () => instance.invalidations.barrier()));
    expect(instance.invalidations.sequenceReads - before).toBe(1);
    await instance.invalidations.barrier();
    expect(instance.invalidations.sequenceReads - before).toBe(2);
  });

  it("resets every cache when a write's invalidation never arrives: a gap in the sequence, or a barrier that cannot catch up", async () => {
    const prefix = `inv-${randomUUID()}:`;
    const keys = keyLayout(prefix);
    const instance = await listening(prefix, 200);
    const store = storeOf(prefix);
    const { sequence } = await write(store, writes.pipelines([p1]));
    await instance.invalidations.barrier();
    expect(instance.resets).toBe(0);

    // A write whose message was lost: the sequence moved, nothing was delivered. The barrier gives up and resets.
    await admin.incr(keys.sequence(keys.shared));
    await instance.invalidations.barrier();
    expect(instance.resets).toBe(1);

    // The next message skips a value: what came between was lost.
    await admin.publish(keys.invalidations, JSON.stringify({ q: keys.sequence(keys.shared), s: (sequence as number) + 3, t: ["pipeline:x"] }));
    await waitFor("the gap to be noticed", () => instance.resets === 2, 5000);
    expect(instance.heard.at(-1)).toStrictEqual(["pipeline:x"]);

    // A message that is not one drops everything too.
    await admin.publish(keys.invalidations, "not an invalidation");
    await waitFor("the malformed message to be noticed", () => instance.resets === 3, 5000);
  });

  it("resets every cache when its connection comes back, then delivers again", async () => {
    const prefix = `inv-${randomUUID()}:`;
    const instance = await listening(prefix);
    const store = storeOf(prefix);
    await admin.client("KILL", "TYPE", "pubsub");
    await waitFor("the reconnection to reset the caches", () => instance.resets >= 1, 10_000);
    const { changed } = await write(store, writes.pipelines([p1]));
    await instance.invalidations.barrier();
    expect(instance.heard.at(-1)).toStrictEqual(changed);
  });

  // Last: it stops the shared test server.
  it("resolves a barrier while Redis is down, resetting every cache, and delivers again once Redis is back", async () => {
    const prefix = `inv-${randomUUID()}:`;
    const instance = await listening(prefix, 300);
    await server.stop();
    try {
      await instance.invalidations.barrier();
      expect(instance.resets).toBeGreaterThanOrEqual(1);
    } finally {
      await server.start();
    }
    const store = storeOf(prefix);
    await waitFor("Redis to answer again", () => store.ping().then(() => true, () => false), 10_000);
    await waitFor("the subscription to be back", async () => {
      await instance.invalidations.barrier();
      return (await admin.pubsub("NUMSUB", keyLayout(prefix).invalidations))[1] === 1;
    }, 10_000);
    const { changed } = await write(store, writes.pipelines([p1]));
    await instance.invalidations.barrier();
    expect(instance.heard.at(-1)).toStrictEqual(changed);
  });
});
