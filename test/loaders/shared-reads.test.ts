import { setImmediate as tick } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadNow } from "../../src/loaders/index.js";
import { LocalInvalidations } from "../../src/store/invalidations.js";
import { tags } from "../../src/store/tags.js";
import { dashboard, newestPipelineIds, startRig, useRedis } from "./rig.js";
import type { LoaderRig } from "./rig.js";

const redis = useRedis();
let rig: LoaderRig;
let slug: string;

beforeAll(async () => {
  rig = await startRig(redis());
  slug = rig.synced[0] as string;
  expect((await rig.engine.runCycle()).ok).toBe(true);
}, 30_000);

afterAll(async () => {
  await rig.close();
});

describe("requests missing the same L1 keys at once", () => {
  it("share one store read: eight concurrent dashboards cost what one does", async () => {
    const alone = rig.factory();
    const before = rig.store.roundTrips;
    await dashboard(alone.forRequest(), slug, 10);
    const one = rig.store.roundTrips - before;

    const factory = rig.factory();
    const start = rig.store.roundTrips;
    const answers = await Promise.all(Array.from({ length: 8 }, () => dashboard(factory.forRequest(), slug, 10)));
    // Sync status, listing, pipelines, workflows, jobs and job records are read once for all eight.
    expect(one).toBe(6);
    expect(rig.store.roundTrips - start).toBe(one);
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });

  it("do not share a read an eviction overtook: the next request reads the store again", async () => {
    const invalidations = new LocalInvalidations();
    const factory = rig.factory({ invalidations });
    const [id] = newestPipelineIds(rig.sim, slug);
    const first = factory.forRequest().pipeline.load(id as string);
    await tick(); // DataLoader has sent the batch: the store read is in flight
    invalidations.publish([tags.pipeline(id as string)]);
    const before = rig.store.roundTrips;
    const second = await factory.forRequest().pipeline.load(id as string);
    expect(rig.store.roundTrips - before).toBe(1);
    expect(second).toEqual(await first);
  });
});

describe("loadNow", () => {
  it("answers an L1 hit at once, the same document the loader gave, and a miss through the loader", async () => {
    const factory = rig.factory();
    const [id] = newestPipelineIds(rig.sim, slug);
    const miss = loadNow(factory.forRequest().workflowsOfPipeline, id as string);
    expect(miss).toBeInstanceOf(Promise);
    const loaded = await miss;
    const hit = loadNow(factory.forRequest().workflowsOfPipeline, id as string);
    expect(hit).not.toBeInstanceOf(Promise);
    expect(hit).toBe(loaded);
  });
});
