import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pipeline } from "../../src/circleci/index.js";
import { decodeCursor, encodeCursor, isAfterCursor } from "../../src/loaders/cursor.js";
import { InvalidCursorError, InvalidPageSizeError, LoaderInputError } from "../../src/loaders/index.js";
import type { Loaders } from "../../src/loaders/index.js";
import { newestPipelineIds, startRig, useRedis } from "./rig.js";
import type { LoaderRig } from "./rig.js";

const pipeline = (id: string, createdAt: string) => ({ id, created_at: createdAt }) as Pipeline;

describe("cursors", () => {
  it("round-trip a pipeline's id and creation time through an opaque base64url string", () => {
    const cursor = encodeCursor(pipeline("5034460f-c7c4-4c43-9457-de07e2029e7b", "2025-05-30T10:00:00.000Z"));
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ id: "5034460f-c7c4-4c43-9457-de07e2029e7b", createdAt: "2025-05-30T10:00:00.000Z" });
  });

  it("order pipelines newest first, ties by id descending, as the store does", () => {
    const cursor = decodeCursor(encodeCursor(pipeline("m", "2025-05-30T10:00:00.000Z")));
    expect(isAfterCursor(pipeline("z", "2025-05-30T09:59:59.999Z"), cursor)).toBe(true);
    expect(isAfterCursor(pipeline("a", "2025-05-30T10:00:00.001Z"), cursor)).toBe(false);
    expect(isAfterCursor(pipeline("l", "2025-05-30T10:00:00.000Z"), cursor)).toBe(true);
    expect(isAfterCursor(pipeline("m", "2025-05-30T10:00:00.000Z"), cursor)).toBe(false);
    expect(isAfterCursor(pipeline("n", "2025-05-30T10:00:00.000Z"), cursor)).toBe(false);
  });

  it.each([
    ["empty", ""],
    ["not base64url", "!!!!"],
    ["padded base64", `${Buffer.from('{"id":"a","at":"2025-05-30T10:00:00.000Z"}').toString("base64")}=`],
    ["not JSON", Buffer.from("pipeline 12").toString("base64url")],
    ["JSON of another shape", Buffer.from(JSON.stringify({ id: 12, at: "2025-05-30T10:00:00.000Z" })).toString("base64url")],
    ["a bad timestamp", Buffer.from(JSON.stringify({ id: "a", at: "yesterday" })).toString("base64url")],
  ])("refuse a cursor that is %s, with an input error", (_, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(InvalidCursorError);
    expect(() => decodeCursor(cursor)).toThrow(LoaderInputError);
    expect(() => decodeCursor(cursor)).toThrow(/is not one this API issued/);
  });
});

describe("pipeline pages", () => {
  const redis = useRedis();
  let rig: LoaderRig;

  beforeAll(async () => {
    rig = await startRig(redis(), { pipelinesPerProject: 30 });
    expect((await rig.engine.runCycle()).ok).toBe(true);
  }, 30_000);

  afterAll(async () => {
    await rig.close();
  });

  async function walk(loaders: Loaders, slug: string, first: number): Promise<{ ids: string[][]; calls: number }> {
    const calls = rig.sim.counters.total();
    const ids: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const page = await loaders.pipelinePage(slug, { first, after });
      ids.push(page.pipelines.map((p) => p.id));
      if (!page.hasNextPage) return { ids, calls: rig.sim.counters.total() - calls };
      expect(page.endCursor).not.toBeNull();
      after = page.endCursor ?? undefined;
    }
  }

  it("reject nonsense page sizes and malformed cursors before reading anything", async () => {
    const loaders = rig.factory().forRequest();
    const slug = rig.synced[0] as string;
    const roundTrips = rig.store.roundTrips;
    for (const first of [0, 101, 2.5, Number.NaN]) {
      await expect(loaders.pipelinePage(slug, { first })).rejects.toThrow(InvalidPageSizeError);
    }
    await expect(loaders.pipelinePage(slug, { first: 5, after: "bogus!" })).rejects.toThrow(InvalidCursorError);
    expect(rig.store.roundTrips).toBe(roundTrips);
  });

  it.each(["a synced", "an unsynced"] as const)("walk every pipeline of %s project, newest first, none twice", async (kind) => {
    const slug = (kind === "a synced" ? rig.synced[0] : rig.unsynced[0]) as string;
    const { ids } = await walk(rig.factory().forRequest(), slug, 7);
    expect(ids.flat()).toEqual(newestPipelineIds(rig.sim, slug).slice(0, ids.flat().length));
    expect(ids.slice(0, -1).every((page) => page.length === 7)).toBe(true);
    if (kind === "an unsynced") expect(ids.flat()).toEqual(newestPipelineIds(rig.sim, slug));
  });

  it("serve an empty page with a null endCursor past the end", async () => {
    const slug = rig.unsynced[0] as string;
    const oldest = newestPipelineIds(rig.sim, slug).at(-1) as string;
    const loaders = rig.factory().forRequest();
    const last = await loaders.pipeline.load(oldest);
    const page = await loaders.pipelinePage(slug, { first: 5, after: encodeCursor(last as Pipeline) });
    expect(page).toEqual({ pipelines: [], hasNextPage: false, endCursor: null });
  });

  it.each(["a synced", "an unsynced"] as const)("keep %s project's next page stable while new pipelines arrive", async (kind) => {
    const slug = (kind === "a synced" ? rig.synced[1] : rig.unsynced[0]) as string;
    const before = newestPipelineIds(rig.sim, slug);
    const firstPage = await rig.factory().forRequest().pipelinePage(slug, { first: 5 });
    expect(firstPage.pipelines.map((p) => p.id)).toEqual(before.slice(0, 5));

    const added = [1, 2, 3].map(() => {
      rig.sim.world.advance(1000);
      return rig.sim.world.triggerPipeline(slug, { errored: true }).id;
    });
    rig.sim.world.advance(60_000);
    expect((await rig.engine.runCycle()).ok).toBe(true);

    const loaders = rig.factory().forRequest();
    const next = await loaders.pipelinePage(slug, { first: 5, after: firstPage.endCursor ?? undefined });
    expect(next.pipelines.map((p) => p.id)).toEqual(before.slice(5, 10));
    const fresh = await loaders.pipelinePage(slug, { first: 5 });
    expect(fresh.pipelines.map((p) => p.id).slice(0, 3)).toEqual([...added].reverse());
  });
});
