import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TREE_FAMILIES, documentBytes, keyFamily, measureDocumentBytes } from "../../bench/scenarios/storage.js";
import type { DocumentBytes } from "../../bench/scenarios/storage.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { MemoryEventBus } from "../../src/store/events.js";
import { keyLayout } from "../../src/store/keys.js";
import { pipelineBranch } from "../../src/store/order.js";
import { RedisStore } from "../../src/store/redis-store.js";
import { SyncEngine } from "../../src/sync/index.js";
import { StoreWriter } from "../../src/writer/index.js";
import { settle } from "../loaders/rig.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { NOW, simulatorClient } from "../support/simulator-client.js";

/** Scenario 7's storage figure on a tiny synced world: which keys it sums, which bodies it reads, and its arithmetic. */
const PREFIX = "bench-storage:";
let redis: TestRedis;
let sim: Simulator;
let admin: Redis;
let store: RedisStore;
let slug: string;
let measured: DocumentBytes;

beforeAll(async () => {
  [redis, sim] = await Promise.all([startTestRedis(), startSimulator({ world: { seed: 5, now: NOW, projects: 1, pipelinesPerProject: 3, historyDays: 1 } })]);
  settle(sim);
  [slug] = [...sim.world.state.projects.keys()] as [string];
  store = new RedisStore({ url: redis.url, prefix: PREFIX });
  const client = simulatorClient(sim);
  const engine = new SyncEngine({ client, store, writer: new StoreWriter({ store, bus: new MemoryEventBus() }), projectSlugs: [slug], lookbackHours: 6, backfillDays: 3, now: () => sim.world.state.now });
  expect((await engine.runCycle()).ok).toBe(true);
  await client.close();
  admin = new Redis(redis.url);
  sim.counters.reset();
  measured = await measureDocumentBytes(admin, PREFIX, store, { url: sim.url, token: sim.token }, [slug]);
}, 60_000);

afterAll(async () => {
  admin?.disconnect();
  await store?.close();
  await sim?.stop();
  await redis?.stop();
});

/** Every stored tree: its pipeline ids, workflow ids, job ids and job records, read through the store. */
async function storedTrees() {
  const { ids } = await store.listPipelineIds(slug, { first: 100 });
  const pipelines = (await store.getPipelines(ids)).flatMap((pipeline) => pipeline ?? []);
  const workflows = (await store.getWorkflowsOf(ids)).flatMap((list) => list ?? []);
  const jobs = [...new Map((await store.getJobsOf(workflows.map((workflow) => workflow.id))).flatMap((list) => list ?? []).map((job) => [job.id, job])).values()];
  const numbers = [...new Set(jobs.flatMap((job) => (job.job_number == null ? [] : [job.job_number])))];
  const records = (await store.getJobRecords(numbers.map((number) => ({ projectSlug: slug, number })))).flatMap((record) => record ?? []);
  return { pipelines, workflows, jobs, records };
}

describe("the storage figure of scenario 7", () => {
  it("names each key of the layout by its family", () => {
    const keys = keyLayout(PREFIX);
    const slot = keys.projectSlot(slug);
    expect(
      [
        keys.pipeline(slot, "p"),
        keys.pipelinesOf(slug),
        keys.pipelinesOf(slug, "feature/x"),
        keys.workflow(slot, "w"),
        keys.workflowsOf(slot, "p"),
        keys.job(slot, "j"),
        keys.jobsOf(slot, "w"),
        keys.jobRecord({ projectSlug: slug, number: 7 }),
        keys.owners,
        keys.active,
        keys.boardEntry(slug, "main", "build"),
        keys.boardNames(slug, "main"),
        keys.statuses,
      ].map((key) => keyFamily(PREFIX, key)),
    ).toStrictEqual(["pipeline", "pipelines", "pipelines", "workflow", "workflows-of", "job", "jobs-of", "jobrec", "owners", "active", "board", "board-names", "statuses"]);
  });

  it("sums the MEMORY USAGE of exactly the keys of the stored trees, and only those", async () => {
    const keys = keyLayout(PREFIX);
    const slot = keys.projectSlot(slug);
    const { pipelines, workflows, jobs, records } = await storedTrees();
    expect(records.some((record) => record.steps !== undefined)).toBe(true);
    const branches = [...new Set(pipelines.flatMap((pipeline) => pipelineBranch(pipeline) ?? []))];
    const treeKeys = [
      ...pipelines.flatMap((pipeline) => [keys.pipeline(slot, pipeline.id), keys.workflowsOf(slot, pipeline.id)]),
      ...workflows.flatMap((workflow) => [keys.workflow(slot, workflow.id), keys.jobsOf(slot, workflow.id)]),
      ...jobs.map((job) => keys.job(slot, job.id)),
      ...records.map((record) => keys.jobRecord(record)),
      keys.pipelinesOf(slug),
      ...branches.map((branch) => keys.pipelinesOf(slug, branch)),
      keys.owners,
      keys.active,
    ];
    const usage = await Promise.all(treeKeys.map(async (key) => Number((await admin.call("MEMORY", "USAGE", key, "SAMPLES", "0")) ?? 0)));
    expect(measured.pipelines).toBe(pipelines.length);
    expect(measured.redisBytes).toBe(usage.reduce((sum, bytes) => sum + bytes, 0));
    expect(Object.keys(measured.redisBytesByFamily)).toEqual(expect.arrayContaining(["board", "statuses", ...TREE_FAMILIES.filter((family) => family !== "active")]));
  });

  it("reads each body CircleCI sent for a stored tree once: the pipeline, its lists, each record's details and steps", async () => {
    const { pipelines, workflows, records } = await storedTrees();
    const pages = sim.counters.byEndpoint();
    expect(pages["GET /pipeline/{id}"]).toBe(pipelines.length);
    expect(pages["GET /pipeline/{id}/workflow"]).toBe(pipelines.length);
    expect(pages["GET /workflow/{id}/job"]).toBe(workflows.length);
    expect(pages["GET /project/{slug}/job/{number}"]).toBe(records.length);
    expect(pages["GET v1.1 /project/{slug}/{number}"]).toBe(records.filter((record) => record.steps !== undefined).length);
    expect(measured.rawJsonBytes).toBeGreaterThan(measured.redisBytes);
  });

  it("divides by the pipelines and by CircleCI's bytes", () => {
    const { pipelines, rawJsonBytes, redisBytes } = measured;
    expect(measured.redisBytesPerPipeline).toBe(redisBytes / pipelines);
    expect(measured.rawBytesPerPipeline).toBe(rawJsonBytes / pipelines);
    expect(measured.ratio).toBe(redisBytes / rawJsonBytes);
    const figure = documentBytes(2, 1000, [["job", 100], ["board", 7], ["job", 50], ["owners", 10]]);
    expect(figure).toStrictEqual({
      pipelines: 2,
      rawJsonBytes: 1000,
      redisBytes: 160,
      redisBytesByFamily: { job: 150, board: 7, owners: 10 },
      rawBytesPerPipeline: 500,
      redisBytesPerPipeline: 80,
      ratio: 0.16,
    });
  });
});
