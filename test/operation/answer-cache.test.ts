import { describe, expect, it } from "vitest";
import { answerOf } from "../../src/operation/answer.js";
import { AnswerCache } from "../../src/operation/index.js";
import type { ReadTracker } from "../../src/loaders/read-tracker.js";
import { LocalInvalidations } from "../../src/store/invalidations.js";
import type { Tag } from "../../src/store/tags.js";

/** The cache on its own: keys, tags and positions chosen by the test, answers made by `producer`. */
function setup(options: { maxEntries?: number; maxBytes?: number } = {}) {
  const invalidations = new LocalInvalidations();
  const cache = new AnswerCache({ invalidations, maxEntries: options.maxEntries ?? 10, maxBytes: options.maxBytes });
  let executions = 0;
  /** Reads `tags`, then (once `gate` resolves) answers `{ data: { n } }` with the execution's number. */
  const producer =
    (tags: readonly Tag[], gate: Promise<void> = Promise.resolve(), keepable = true) =>
    async (tracker: ReadTracker) => {
      executions += 1;
      const n = executions;
      for (const tag of tags) tracker.read(tag);
      await gate;
      return { answer: answerOf({ data: { n } }), keepable };
    };
  const n = async (answer: Promise<{ bytes: Buffer }>) => (JSON.parse((await answer).bytes.toString()) as { data: { n: number } }).data.n;
  return { invalidations, cache, producer, n, executions: () => executions };
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe("AnswerCache", () => {
  it("evicts exactly the answers that read a tag a write names", async () => {
    const { invalidations, cache, producer, n } = setup();
    expect(await n(cache.answer("a", 0, producer(["t1", "t2"])))).toBe(1);
    expect(await n(cache.answer("b", 0, producer(["t2"])))).toBe(2);
    expect(await n(cache.answer("c", 0, producer(["t3"])))).toBe(3);
    invalidations.publish(["t2"]);
    expect(cache.peek("a")).toBeUndefined();
    expect(cache.peek("b")).toBeUndefined();
    expect(cache.peek("c")).toBeDefined();
    expect(cache.stats).toEqual({ hits: 1, misses: 3, shared: 0, entries: 1 });
  });

  it("keeps at most maxEntries, least recently used out first, and forgets an evicted answer's tags", async () => {
    const { invalidations, cache, producer, n } = setup({ maxEntries: 2 });
    await cache.answer("a", 0, producer(["shared"]));
    await cache.answer("b", 0, producer(["shared"]));
    cache.peek("a");
    await cache.answer("c", 0, producer(["other"]));
    expect([cache.peek("a") !== undefined, cache.peek("b") !== undefined, cache.peek("c") !== undefined]).toEqual([true, false, true]);
    invalidations.publish(["shared"]);
    expect(cache.stats.entries).toBe(1);
    // b, evicted before, is executed again and kept under its tag like any other.
    expect(await n(cache.answer("b", cache.position, producer(["shared"])))).toBe(4);
    expect(cache.stats.entries).toBe(2);
  });

  it("keeps no answer larger than its byte bound", async () => {
    const { cache, producer } = setup({ maxBytes: 8 });
    await cache.answer("a", 0, producer([]));
    expect(cache.stats.entries).toBe(0);
  });

  it("keeps no answer its producer calls unkeepable, nor one built on data the store does not hold", async () => {
    const { cache, producer, n } = setup();
    await cache.answer("a", 0, producer([], undefined, false));
    const unstored = async (tracker: ReadTracker) => (tracker.unstored(), producer(["t"])(tracker));
    await cache.answer("b", 0, unstored);
    expect(cache.stats.entries).toBe(0);
    expect(await n(cache.answer("a", 0, producer([])))).toBe(3);
  });

  it("shares an execution in progress with a request at a position no touching write has reached", async () => {
    const { invalidations, cache, producer, n, executions } = setup();
    const held = gate();
    const first = cache.answer("k", 0, producer(["t"], held.promise));
    // A write to another tag while it runs: the execution stays good for everyone.
    invalidations.publish(["elsewhere"]);
    const second = cache.answer("k", cache.position, producer(["t"]));
    held.open();
    expect([await n(first), await n(second)]).toEqual([1, 1]);
    expect(executions()).toBe(1);
    expect(cache.stats).toMatchObject({ misses: 1, shared: 1, entries: 1 });
  });

  it("gives a request that arrived before a touching write the execution's answer, and keeps it out of the cache", async () => {
    const { invalidations, cache, producer, n } = setup();
    const held = gate();
    const first = cache.answer("k", 0, producer(["t"], held.promise));
    const early = cache.answer("k", cache.position, producer(["t"]));
    invalidations.publish(["t"]);
    held.open();
    expect([await n(first), await n(early)]).toEqual([1, 1]);
    expect(cache.stats.entries).toBe(0);
    expect(await n(cache.answer("k", cache.position, producer(["t"])))).toBe(2);
  });

  it("executes afresh for a request after a touching write, even when the write came before the tag was read", async () => {
    const { invalidations, cache, n } = setup();
    const held = gate();
    let executions = 0;
    // Reads its tag only once the gate opens: as a store read sent before a write commits, answered after it.
    const late = async (tracker: ReadTracker) => {
      const number = ++executions;
      await held.promise;
      tracker.read("t");
      return { answer: answerOf({ data: { n: number } }), keepable: true };
    };
    const first = cache.answer("k", 0, late);
    invalidations.publish(["t"]);
    const after = cache.answer("k", cache.position, late);
    held.open();
    expect([await n(first), await n(after)]).toEqual([1, 2]);
    expect(cache.stats).toMatchObject({ misses: 2, shared: 0 });
  });

  it("drops everything on a reset, and keeps out what was executing", async () => {
    const { invalidations, cache, producer } = setup();
    await cache.answer("a", 0, producer(["t"]));
    const held = gate();
    const running = cache.answer("b", 0, producer(["u"], held.promise));
    invalidations.reset();
    held.open();
    await running;
    expect(cache.stats.entries).toBe(0);
  });

  it("passes an execution's failure to the requests waiting for it, and keeps nothing", async () => {
    const { cache } = setup();
    const held = gate();
    const failing = async () => {
      await held.promise;
      throw new Error("boom");
    };
    const first = cache.answer("k", 0, failing);
    const second = cache.answer("k", 0, failing);
    held.open();
    await expect(first).rejects.toThrow("boom");
    await expect(second).rejects.toThrow("boom");
    expect(cache.stats.entries).toBe(0);
  });

  it("stops listening once closed", async () => {
    const { invalidations, cache, producer } = setup();
    await cache.answer("a", 0, producer(["t"]));
    cache.close();
    const position = cache.position;
    invalidations.publish(["t"]);
    expect(cache.position).toBe(position);
  });
});
