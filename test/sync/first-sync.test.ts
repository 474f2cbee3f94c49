import { afterEach, describe, expect, it } from "vitest";
import { pipelineSchema, workflowJobSchema, workflowSchema } from "../../src/circleci/schemas.js";
import { RedisStore } from "../../src/store/redis-store.js";
import { isLiveWorkflowStatus } from "../../src/sync/live.js";
import { DAY_MS, startRig } from "./harness.js";
import type { SyncRig } from "./harness.js";
import { storeKinds } from "./stores.js";

let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const kinds = storeKinds();

describe.each(kinds)("first sync on $name", ({ create }) => {
  it("makes the store equal to CircleCI for the backfill window and announces nothing", async () => {
    rig = await startRig({ store: create() });
    expect((await rig.differences()).length).toBeGreaterThan(0);
    const report = await rig.engine.runCycle();
    expect(report.streams.filter((stream) => stream.error !== undefined)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(await rig.differences()).toEqual([]);
    expect(await rig.takeEvents()).toEqual([]);

    const status = await rig.store.getSyncStatus();
    expect(status).toMatchObject({ running: false, cycles: 1, lastCycleCompletedAt: report.completedAt });
    expect(status.streams).toHaveLength(rig.slugs.length * 6 + 1);
    // The failed jobs' test results, each one list read once: the store equals CircleCI for them too (differences).
    const tests = report.streams.filter((stream) => stream.stream === "tests");
    expect(tests.reduce((sum, stream) => sum + stream.records, 0)).toBeGreaterThan(0);
    expect(tests.reduce((sum, stream) => sum + stream.pages, 0)).toBe(tests.reduce((sum, stream) => sum + stream.records, 0));
    expect(status.streams.every((stream) => stream.lastSuccessAt === report.completedAt && stream.lastError === undefined)).toBe(true);
  });
});

describe("store writes", () => {
  it("come in batches: Redis round trips follow pipeline pages, not entities", async () => {
    const store = kinds.find((kind) => kind.name === "RedisStore")?.create();
    if (!(store instanceof RedisStore)) throw new Error("no RedisStore kind");
    rig = await startRig({ store });
    const report = await rig.engine.runCycle();
    const pages = report.streams.filter((stream) => stream.stream === "pipelines").reduce((sum, stream) => sum + stream.pages, 0);
    const entities = report.streams.reduce((sum, stream) => sum + stream.records, 0);
    // Per page of pipelines: 4 reads and 5 writes at most; per project its cursor; per cycle ~10.
    expect(store.roundTrips).toBeLessThanOrEqual(9 * pages + 2 * rig.slugs.length + 10);
    expect(entities).toBeGreaterThan(10 * store.roundTrips);
  });
});

describe("a first backfill over what the read path already wrote", () => {
  it("still fetches the job records of settled subtrees the store holds without them (Redis came back empty)", async () => {
    rig = await startRig();
    const { state } = rig.sim.world;
    // The read path's write-back: a settled pipeline with its workflows and jobs, and no job records.
    const settled = [...state.pipelines.values()].find((pipeline) => {
      const workflows = state.workflowsByPipeline.get(pipeline.id) ?? [];
      const recent = Date.parse(pipeline.created_at) > state.now - DAY_MS;
      return recent && workflows.length > 0 && workflows.every((id) => !isLiveWorkflowStatus(state.workflows.get(id)?.status ?? "running"));
    });
    if (settled === undefined) throw new Error("the world has no settled pipeline from the last day");
    const workflows = (state.workflowsByPipeline.get(settled.id) ?? []).map((id) => ({
      workflow: workflowSchema.parse(state.workflows.get(id)),
      jobs: workflowJobSchema.array().parse(state.jobsByWorkflow.get(id)),
    }));
    expect(await rig.writer.storeSettledSubtree({ pipeline: pipelineSchema.parse(settled), workflows })).toBe(true);
    expect(await rig.store.getPipelines([settled.id])).toEqual([pipelineSchema.parse(settled)]);

    expect((await rig.engine.runCycle()).ok).toBe(true);
    expect(await rig.differences()).toEqual([]);
  });
});
