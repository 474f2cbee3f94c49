import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS, HOUR_MS, NOW, startRig } from "./harness.js";
import type { SyncRig } from "./harness.js";

const rigs: SyncRig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((rig) => rig.close()));
});

interface CycleCosts {
  backfill: number;
  steady: Record<string, number>;
}

/**
 * First sync, a quiet day (history settles; the approval every world holds is given, so no work
 * is left live), one warm-up pipeline per project so the overlap
 * holds only new work, then the measured cycle after the same new activity in every world.
 * Errored pipelines have no workflows: the new activity is the same whatever the world's seed drew.
 */
async function steadyStateCosts(pipelinesPerProject: number): Promise<CycleCosts> {
  const rig = await startRig({
    simulator: { world: { seed: 3, now: NOW, projects: 1, pipelinesPerProject, historyDays: 14 }, pageSize: { pipelines: 5 } },
    engine: { backfillDays: 30 },
  });
  rigs.push(rig);
  const { world, counters } = rig.sim;
  await rig.engine.runCycle();
  const backfill = counters.total();

  world.approveAllOnHold();
  world.advance(DAY_MS);
  for (const slug of rig.slugs) world.triggerPipeline(slug, { errored: true });
  world.advance(HOUR_MS);
  await rig.engine.runCycle();

  counters.reset();
  for (const slug of rig.slugs) for (let n = 0; n < 3; n++) world.triggerPipeline(slug, { errored: true });
  world.advance(10 * 60_000);
  const report = await rig.engine.runCycle();
  expect(report.ok).toBe(true);
  expect(await rig.differences()).toEqual([]);
  return { backfill, steady: counters.byEndpoint() };
}

describe("steady-state cost", () => {
  it("does not grow with history: 10x the pipelines, same new activity, same calls per endpoint", async () => {
    const small = await steadyStateCosts(6);
    const large = await steadyStateCosts(60);
    expect(large.backfill).toBeGreaterThan(5 * small.backfill);
    expect(large.steady).toEqual(small.steady);
    // The project, two pipeline pages (the second is past the window) and a workflow list for each
    // of the 3 new and the warm-up pipeline; then the contexts with their variables.
    expect(small.steady).toEqual({
      "GET /project/{slug}": 1,
      "GET /project/{slug}/pipeline": 2,
      "GET /pipeline/{id}/workflow": 4,
      "GET /context": 1,
      "GET /context/{id}/environment-variable": 3, // the world's default 3 contexts per organization
    });
  });
});
