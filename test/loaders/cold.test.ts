import { afterEach, describe, expect, it } from "vitest";
import { CircleCIError } from "../../src/circleci/index.js";
import { ReadTimeoutError } from "../../src/loaders/errors.js";
import { waitFor } from "../server/wait-for.js";
import { dashboard, newestPipelineIds, startRig, truthOf, useRedis } from "./rig.js";
import type { LoaderRig } from "./rig.js";

const redis = useRedis();
const rigs: LoaderRig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((rig) => rig.close()));
});

async function coldRig(options: Parameters<typeof startRig>[1] = {}): Promise<LoaderRig> {
  const rig = await startRig(redis(), { pipelinesPerProject: 24, ...options });
  rigs.push(rig);
  return rig;
}

/** The calls a cold dashboard of these pipelines needs, each exactly once: a listing page, then one call per key. */
function neededCalls(rig: LoaderRig, pipelineIds: readonly string[]): Record<string, number> {
  const truth = truthOf(rig.sim, pipelineIds);
  return {
    "GET /project/{slug}/pipeline": 1,
    "GET /pipeline/{id}/workflow": pipelineIds.length,
    "GET /workflow/{id}/job": [...truth.workflowsByPipeline.values()].flat().length,
    "GET /project/{slug}/job/{number}": truth.jobNumbers.length,
    "GET v1.1 /project/{slug}/{number}": truth.jobNumbers.length,
  };
}

describe("a cold dashboard (empty store)", () => {
  it("makes each needed CircleCI call exactly once, even for two concurrent requests, and answers what CircleCI holds", async () => {
    const rig = await coldRig();
    const slug = rig.synced[0] as string;
    const factory = rig.factory();
    const [first, second] = await Promise.all([dashboard(factory.forRequest(), slug, 10), dashboard(factory.forRequest(), slug, 10)]);
    expect(second).toEqual(first);
    const ids = first.pipelines.map((pipeline) => pipeline.id);
    expect(ids).toEqual(newestPipelineIds(rig.sim, slug).slice(0, 10));
    const truth = truthOf(rig.sim, ids);
    expect(first.workflowsByPipeline).toEqual(truth.workflowsByPipeline);
    expect(first.jobsByWorkflow).toEqual(truth.jobsByWorkflow);
    expect(first.records.map((record) => record.number).sort()).toEqual([...truth.jobNumbers].sort());
    expect(rig.sim.counters.byEndpoint()).toEqual(neededCalls(rig, ids));
    expect(factory.stats.circleci).toEqual({ fetched: rig.sim.counters.total(), notFound: 0, failed: 0 });
  });

  it("stops waiting for CircleCI at the request's read deadline; the fetch goes on, and once it is written back a later request reads it from the store", async () => {
    const rig = await coldRig();
    const id = newestPipelineIds(rig.sim, rig.synced[0] as string)[0] as string;
    // A 429 pauses the client's whole gate for its Retry-After: far past this request's deadline.
    rig.sim.inject({ kind: "429", retryAfterSeconds: 2 });
    const factory = rig.factory({ readTimeoutMs: 200 });
    await expect(factory.forRequest().pipeline.load(id)).rejects.toBeInstanceOf(ReadTimeoutError);
    const answered = () => rig.sim.counters.byStatus()["200"] ?? 0;
    await waitFor("the fetch to be answered in the background", () => answered() >= 2, 10_000);
    await factory.drain();
    const callsBefore = rig.sim.counters.total();
    expect((await factory.forRequest().pipeline.load(id))?.id).toBe(id);
    expect(rig.sim.counters.total()).toBe(callsBefore);
  });

  it("never has more CircleCI fetches in flight than its concurrency bound", async () => {
    const rig = await coldRig();
    rig.sim.setLatency(5);
    const factory = rig.factory({ concurrency: 2 });
    await dashboard(factory.forRequest(), rig.synced[0] as string, 10);
    expect(rig.sim.counters.maxInFlight()).toBe(2);
  });

  it("rejects only the key CircleCI failed for, with the client's message, and fetches it again in a later request", async () => {
    const rig = await coldRig({ client: { retry: { maxAttempts: 1 } } });
    const slug = rig.synced[0] as string;
    const factory = rig.factory();
    rig.sim.inject({ kind: "500", endpoint: "GET /workflow/{id}/job", count: 1 });
    const loaders = factory.forRequest();
    const page = await loaders.pipelinePage(slug, { first: 10 });
    const workflowLists = await loaders.workflowsOfPipeline.loadMany(page.pipelines.map((pipeline) => pipeline.id));
    expect(workflowLists.filter((list) => list instanceof Error)).toEqual([]);
    const workflowIds = workflowLists.flatMap((list) => (list instanceof Error ? [] : list.map((workflow) => workflow.id)));
    expect(workflowIds.length).toBeGreaterThan(1);

    const results = await loaders.jobsOfWorkflow.loadMany(workflowIds);
    const failures = results.filter((result) => result instanceof Error);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(CircleCIError);
    expect((failures[0] as Error).message).toMatch(/GET \/workflow\/\{id\}\/job with 500/);
    const truth = truthOf(rig.sim, page.pipelines.map((pipeline) => pipeline.id));
    results.forEach((result, index) => {
      if (!(result instanceof Error)) expect(result.map((job) => job.id)).toEqual(truth.jobsByWorkflow.get(workflowIds[index] as string));
    });
    expect(rig.sim.counters.byEndpoint()["GET /workflow/{id}/job"]).toBe(workflowIds.length);

    const failedId = workflowIds[results.findIndex((result) => result instanceof Error)] as string;
    const again = await factory.forRequest().jobsOfWorkflow.load(failedId);
    expect(again.map((job) => job.id)).toEqual(truth.jobsByWorkflow.get(failedId));
  });
});
