import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalInvalidations } from "../../src/store/invalidations.js";
import type { JobRecord } from "../../src/store/store.js";
import { BACKFILL_DAYS, DAY_MS, dashboard, inStoredForm, newestPipelineIds, startRig, truthOf, useRedis } from "./rig.js";
import type { LoaderRig } from "./rig.js";
import { commitAsSync } from "../support/writes.js";

const redis = useRedis();
let rig: LoaderRig;
let slug: string;
let erroredId: string;

beforeAll(async () => {
  rig = await startRig(redis());
  slug = rig.synced[0] as string;
  // Newest in its project, so every page below holds a pipeline that legitimately has no workflows.
  erroredId = rig.sim.world.triggerPipeline(slug, { errored: true }).id;
  rig.sim.world.advance(60_000);
  const report = await rig.engine.runCycle();
  expect(report.ok).toBe(true);
}, 30_000);

afterAll(async () => {
  await rig.close();
});

/** Runs `work`, returning what it cost: CircleCI calls and store round trips. */
async function cost<T>(work: () => Promise<T>): Promise<{ result: T; calls: number; roundTrips: number }> {
  const calls = rig.sim.counters.total();
  const roundTrips = rig.store.roundTrips;
  const result = await work();
  return { result, calls: rig.sim.counters.total() - calls, roundTrips: rig.store.roundTrips - roundTrips };
}

describe("a warm dashboard (50 newest pipelines, their workflows, jobs and job records)", () => {
  it("makes zero CircleCI calls and the same number of store round trips for 10 and 50 pipelines", async () => {
    const costs = [];
    for (const first of [10, 50]) {
      const factory = rig.factory();
      const { result, calls, roundTrips } = await cost(() => dashboard(factory.forRequest(), slug, first));
      expect(calls).toBe(0);
      costs.push(roundTrips);

      const ids = result.pipelines.map((pipeline) => pipeline.id);
      expect(ids).toEqual(newestPipelineIds(rig.sim, slug).slice(0, first));
      expect(ids).toContain(erroredId);
      expect(result.workflowsByPipeline.get(erroredId)).toEqual([]);
      const truth = truthOf(rig.sim, ids);
      expect(result.workflowsByPipeline).toEqual(truth.workflowsByPipeline);
      expect(result.jobsByWorkflow).toEqual(truth.jobsByWorkflow);
      expect(result.records.map((record) => record.number).sort()).toEqual([...truth.jobNumbers].sort());
      expect(factory.stats.circleci).toEqual({ fetched: 0, notFound: 0, failed: 0 });
    }
    // Sync status, the listing, pipelines, workflows, jobs, job records.
    expect(costs).toEqual([6, 6]);
  });

  it("serves a second request from the L1 alone, the listing included: no store round trip", async () => {
    const factory = rig.factory();
    await dashboard(factory.forRequest(), slug, 20);
    const before = factory.stats;
    const { calls, roundTrips } = await cost(() => dashboard(factory.forRequest(), slug, 20));
    expect({ calls, roundTrips }).toEqual({ calls: 0, roundTrips: 0 });
    const after = factory.stats;
    expect(after.store.hits).toBe(before.store.hits);
    expect(after.l1.hits).toBeGreaterThan(before.l1.hits);
  });

  it("keeps its entries however long nothing changes, and drops them all on a reset (invalidations possibly missed)", async () => {
    const invalidations = new LocalInvalidations();
    const factory = rig.factory({ invalidations });
    const first = await cost(() => dashboard(factory.forRequest(), slug, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await cost(() => dashboard(factory.forRequest(), slug, 10))).roundTrips).toBe(0);
    invalidations.reset();
    const afterReset = await cost(() => dashboard(factory.forRequest(), slug, 10));
    expect(afterReset.roundTrips).toBe(first.roundTrips);
    expect(afterReset.result).toEqual(first.result);
    expect(afterReset.calls).toBe(0);
  });
});

describe("the cache turned off (cache: false, the benchmarks' passthrough baseline)", () => {
  it("answers the warm dashboard from CircleCI alone: no store round trip, nothing written back, the same calls again next time", async () => {
    const factory = rig.factory({ cache: false });
    const warm = await dashboard(rig.factory().forRequest(), slug, 5);
    const first = await cost(() => dashboard(factory.forRequest(), slug, 5));
    await factory.drain();
    const second = await cost(() => dashboard(factory.forRequest(), slug, 5));
    await factory.drain();
    // Test results are no part of a job record read from CircleCI: they are read apart (the testResults loader).
    expect(inStoredForm(first.result)).toEqual({ ...warm, records: warm.records.map(withoutTests) });
    expect(first.roundTrips).toBe(0);
    expect(second.roundTrips).toBe(0);
    expect(first.calls).toBeGreaterThan(0);
    expect(second.calls).toBe(first.calls);
    expect(factory.stats.store.hits).toBe(0);
    expect(factory.stats.l1.hits).toBe(0);
    expect(factory.stats.circleci.fetched).toBe(first.calls + second.calls);
  });
});

function withoutTests(record: JobRecord): JobRecord {
  const copy = { ...record };
  delete copy.tests;
  return copy;
}

describe("L1 invalidation", () => {
  it("evicts the entries a write changed once its invalidation arrives, and nothing else", async () => {
    const factory = rig.factory();
    const [changedId, untouchedId] = newestPipelineIds(rig.sim, slug).filter((id) => id !== erroredId);
    const loaders = factory.forRequest();
    const [workflow] = await loaders.workflowsOfPipeline.load(changedId as string);
    await loaders.workflowsOfPipeline.load(untouchedId as string);
    if (workflow === undefined) throw new Error("the test needs a pipeline with workflows");
    await loaders.workflow.load(workflow.id);

    const renamed = { ...workflow, name: `${workflow.name}-renamed` };
    await commitAsSync(rig.writer, slug, { workflows: [renamed] });
    await rig.invalidations.barrier();
    const before = factory.stats;
    const next = factory.forRequest();
    expect((await next.workflow.load(workflow.id))?.name).toBe(renamed.name);
    expect((await next.workflowsOfPipeline.load(changedId as string))[0]?.name).toBe(renamed.name);
    await next.workflowsOfPipeline.load(untouchedId as string);
    const after = factory.stats;
    expect(after.store.hits - before.store.hits).toBe(2);
    expect(after.l1.hits - before.l1.hits).toBe(1);
    await commitAsSync(rig.writer, slug, { workflows: [workflow] });
    await rig.invalidations.barrier();
  });

  it("evicts a workflow's job list and the job's record when they change; never keeps a project's CircleCI pages", async () => {
    const factory = rig.factory();
    const unsynced = rig.unsynced[0] as string;
    const [pipelineId] = newestPipelineIds(rig.sim, slug).filter((id) => id !== erroredId);
    const loaders = factory.forRequest();
    const [workflow] = await loaders.workflowsOfPipeline.load(pipelineId as string);
    const jobs = await loaders.jobsOfWorkflow.load(workflow?.id as string);
    const job = jobs.find((candidate) => candidate.job_number != null);
    if (workflow === undefined || job === undefined) throw new Error("the test needs a numbered job");
    const record = await loaders.jobRecord.load({ projectSlug: slug, number: job.job_number as number });
    const [newest] = (await loaders.pipelinePage(unsynced, { first: 5 })).pipelines;
    if (newest === undefined || record === null) throw new Error("the test needs pipelines in the unsynced project and a job record");

    const renamed = { ...job, name: `${job.name}-renamed` };
    const jobLists = (list: typeof jobs) => new Map([[workflow.id, list]]);
    await commitAsSync(rig.writer, slug, {
      jobLists: jobLists(jobs.map((candidate) => (candidate.id === job.id ? renamed : candidate))),
      jobRecords: [{ ...record, details: { ...record.details, name: renamed.name } }],
    });
    await rig.invalidations.barrier();
    const calls = rig.sim.counters.total();
    const before = factory.stats;
    const next = factory.forRequest();
    await next.jobsOfWorkflow.load(workflow.id);
    await next.jobRecord.load({ projectSlug: slug, number: job.job_number as number });
    await next.workflowsOfPipeline.load(pipelineId as string);
    await next.pipelinePage(unsynced, { first: 5 });
    const after = factory.stats;
    expect(after.store.hits - before.store.hits).toBe(2);
    // The untouched workflow list, and the sync status that tells the project is not synced.
    expect(after.l1.hits - before.l1.hits).toBe(2);
    // No write announces a change of CircleCI's own list: it is asked again.
    expect(rig.sim.counters.total() - calls).toBe(1);
    await commitAsSync(rig.writer, slug, { jobLists: jobLists(jobs), jobRecords: [record] });
    await rig.invalidations.barrier();
  });
});

describe("a job by id (federation's Job references)", () => {
  it("reads the store once, then the L1 until a change to that job; an id the store lacks is null without CircleCI", async () => {
    const factory = rig.factory();
    const [pipelineId] = newestPipelineIds(rig.sim, slug).filter((id) => id !== erroredId);
    const [workflow] = await factory.forRequest().workflowsOfPipeline.load(pipelineId as string);
    const jobs = await factory.forRequest().jobsOfWorkflow.load(workflow?.id as string);
    const [job] = jobs;
    if (workflow === undefined || job === undefined) throw new Error("the test needs a workflow with jobs");
    const unknownId = "00000000-0000-4000-8000-000000000000";

    const first = await cost(() => factory.forRequest().job.loadMany([job.id, unknownId]));
    expect(first.result).toEqual([job, null]);
    expect(first.calls).toBe(0);
    expect(first.roundTrips).toBe(1);

    const cached = await cost(() => factory.forRequest().job.load(job.id));
    expect(cached).toEqual({ result: job, calls: 0, roundTrips: 0 });

    const renamed = { ...job, name: `${job.name}-renamed` };
    await commitAsSync(rig.writer, slug, { jobLists: new Map([[workflow.id, jobs.map((candidate) => (candidate.id === job.id ? renamed : candidate))]]) });
    await rig.invalidations.barrier();
    expect((await factory.forRequest().job.load(job.id))?.name).toBe(renamed.name);
    await commitAsSync(rig.writer, slug, { jobLists: new Map([[workflow.id, jobs]]) });
    await rig.invalidations.barrier();
  });
});

describe("what the sync does not hold is served from CircleCI, then from the cache", () => {
  it("a pipeline outside the backfill window: its subtree is fetched once, written back, then read from the store", async () => {
    const cutoff = rig.sim.world.state.now - BACKFILL_DAYS * DAY_MS;
    const oldId = newestPipelineIds(rig.sim, slug).find((id) => {
      const pipeline = rig.sim.world.state.pipelines.get(id);
      return pipeline !== undefined && Date.parse(pipeline.created_at) < cutoff && (rig.sim.world.state.workflowsByPipeline.get(id) ?? []).length > 0;
    }) as string;
    expect((await rig.store.getPipelines([oldId]))[0]).toBeUndefined();
    const truth = truthOf(rig.sim, [oldId]);
    const workflowIds = truth.workflowsByPipeline.get(oldId) ?? [];

    const readTree = async (factory: ReturnType<LoaderRig["factory"]>) => {
      const loaders = factory.forRequest();
      const [pipeline, workflows] = await Promise.all([loaders.pipeline.load(oldId), loaders.workflowsOfPipeline.load(oldId)]);
      const jobs = await loaders.jobsOfWorkflow.loadMany(workflows.map((workflow) => workflow.id));
      return { pipeline: pipeline?.id, workflows: workflows.map((workflow) => workflow.id), jobs };
    };
    rig.sim.counters.reset();
    const cold = rig.factory();
    const served = await readTree(cold);
    expect(served.pipeline).toBe(oldId);
    expect(served.workflows).toEqual(workflowIds);
    expect(served.jobs).toEqual(workflowIds.map((id) => expect.arrayContaining((truth.jobsByWorkflow.get(id) ?? []).map((jobId) => expect.objectContaining({ id: jobId })))));
    expect(rig.sim.counters.byEndpoint()).toEqual({
      "GET /pipeline/{id}": 1,
      "GET /pipeline/{id}/workflow": 1,
      "GET /workflow/{id}/job": workflowIds.length,
    });
    await cold.drain();

    rig.sim.counters.reset();
    const again = await readTree(rig.factory());
    expect(again).toEqual(served);
    expect(rig.sim.counters.total()).toBe(0);
  });

  it("a project the sync does not cover: paged from CircleCI every time, its subtrees then served from the store", async () => {
    const unsynced = rig.unsynced[0] as string;
    rig.sim.counters.reset();
    const factory = rig.factory();
    const served = await dashboard(factory.forRequest(), unsynced, 10);
    expect(served.pipelines.map((pipeline) => pipeline.id)).toEqual(newestPipelineIds(rig.sim, unsynced).slice(0, 10));
    const truth = truthOf(rig.sim, served.pipelines.map((pipeline) => pipeline.id));
    expect(served.workflowsByPipeline).toEqual(truth.workflowsByPipeline);
    expect(served.jobsByWorkflow).toEqual(truth.jobsByWorkflow);
    expect(rig.sim.counters.total()).toBeGreaterThan(0);
    await factory.drain();

    // Only the listing itself goes back to CircleCI: the store cannot vouch for a list it never synced.
    for (const next of [factory, rig.factory()]) {
      rig.sim.counters.reset();
      expect(inStoredForm(await dashboard(next.forRequest(), unsynced, 10))).toEqual(inStoredForm(served));
      expect(rig.sim.counters.byEndpoint()).toEqual({ "GET /project/{slug}/pipeline": 1 });
    }
  });

  it("a project CircleCI does not know is null, and its listing rejects with the client's message", async () => {
    const loaders = rig.factory().forRequest();
    expect(await loaders.project.load("gh/nobody/nothing")).toBeNull();
    expect((await loaders.project.load(slug))?.project?.slug).toBe(slug);
    await expect(loaders.pipelinePage("gh/nobody/nothing", { first: 5 })).rejects.toThrow(/gh\/nobody\/nothing was not found/);
  });
});
