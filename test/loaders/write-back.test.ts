import { setImmediate as tick } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { DeliveredChangeEvent } from "../../src/store/events.js";
import { pipelineSchema } from "../../src/circleci/schemas.js";
import { storedForm } from "../../src/store/codec.js";
import { commitAsSync } from "../support/writes.js";
import { newestPipelineIds, settle, startRig, truthOf, useRedis } from "./rig.js";
import type { LoaderRig } from "./rig.js";

const redis = useRedis();
const rigs: LoaderRig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((rig) => rig.close()));
});

async function smallRig(): Promise<LoaderRig> {
  const rig = await startRig(redis(), { pipelinesPerProject: 12 });
  rigs.push(rig);
  return rig;
}

describe("writing CircleCI answers back to the store", () => {
  it("leaves a pipeline the sync has yet to read to the sync, so subscribers still hear of it", async () => {
    const rig = await smallRig();
    const slug = rig.synced[0] as string;
    expect((await rig.engine.runCycle()).ok).toBe(true);
    const events: DeliveredChangeEvent[] = [];
    await rig.bus.subscribe((event) => void events.push(event));

    // Errored: no workflows, so nothing in it is live; only its newness keeps it out of the store.
    const fresh = rig.sim.world.triggerPipeline(slug, { errored: true });
    rig.sim.world.advance(60_000);
    const factory = rig.factory();
    const loaders = factory.forRequest();
    expect((await loaders.pipeline.load(fresh.id))?.id).toBe(fresh.id);
    expect(await loaders.workflowsOfPipeline.load(fresh.id)).toEqual([]);
    await factory.drain();
    expect(await rig.store.getPipelines([fresh.id])).toEqual([undefined]);

    expect((await rig.engine.runCycle()).ok).toBe(true);
    await tick();
    expect(events.filter((event) => event.type === "pipeline.created").map((event) => event.type === "pipeline.created" && event.pipeline.id)).toEqual([fresh.id]);
  });

  it("keeps a subtree with live work in the L1 only, and writes it once it has settled", async () => {
    const rig = await smallRig();
    const slug = rig.unsynced[0] as string;
    const live = rig.sim.world.triggerPipeline(slug, { holdForApproval: true });
    rig.sim.world.advance(1000);

    const readTree = async () => {
      const factory = rig.factory();
      const loaders = factory.forRequest();
      const workflows = await loaders.workflowsOfPipeline.load(live.id);
      await loaders.jobsOfWorkflow.loadMany(workflows.map((workflow) => workflow.id));
      await factory.drain();
      return workflows.map((workflow) => workflow.id);
    };
    const workflowIds = await readTree();
    expect(workflowIds).toEqual(truthOf(rig.sim, [live.id]).workflowsByPipeline.get(live.id));
    expect(await rig.store.getPipelines([live.id])).toEqual([undefined]);
    expect(await rig.store.getWorkflows(workflowIds)).toEqual(workflowIds.map(() => undefined));

    settle(rig.sim);
    expect(await readTree()).toEqual(workflowIds);
    const stored = await rig.store.getWorkflowsOf([live.id]);
    expect(stored[0]?.map((workflow) => workflow.id)).toEqual(workflowIds);
    expect(stored[0]?.every((workflow) => workflow.status !== "running")).toBe(true);
    const truth = truthOf(rig.sim, [live.id]);
    expect((await rig.store.getJobsOf(workflowIds)).map((jobs) => jobs?.map((job) => job.id))).toEqual(
      workflowIds.map((id) => truth.jobsByWorkflow.get(id)),
    );
  });

  it("writes a workflow fetched on its own with its jobs only under a stored pipeline, and a final job record with its steps", async () => {
    const rig = await smallRig();
    const slug = rig.unsynced[0] as string;
    const [pipelineId] = newestPipelineIds(rig.sim, slug).filter((id) => (rig.sim.world.state.workflowsByPipeline.get(id) ?? []).length > 0);
    const truth = truthOf(rig.sim, [pipelineId as string]);
    const [workflowId] = truth.workflowsByPipeline.get(pipelineId as string) ?? [];
    const [number] = truth.jobNumbers;
    if (workflowId === undefined || number === undefined) throw new Error("the world needs a workflow with a build job");

    const factory = rig.factory();
    const loaders = factory.forRequest();
    expect((await loaders.workflow.load(workflowId))?.id).toBe(workflowId);
    const record = await loaders.jobRecord.load({ projectSlug: slug, number });
    expect(record?.steps?.length).toBeGreaterThan(0);
    await factory.drain();
    expect(rig.sim.counters.byEndpoint()).toEqual({
      "GET /workflow/{id}": 1,
      "GET /workflow/{id}/job": 1,
      "GET /project/{slug}/job/{number}": 1,
      "GET v1.1 /project/{slug}/{number}": 1,
    });
    expect(await rig.store.getJobRecords([{ projectSlug: slug, number }])).toEqual([record === null ? null : storedForm("jobRecord", record)]);
    // Its pipeline was not read: nothing of the workflow is stored, where retention could never find it to remove it.
    expect(await rig.store.getWorkflows([workflowId])).toEqual([undefined]);
    expect(await rig.store.getWorkflowsOf([pipelineId as string])).toEqual([undefined]);

    // Once its pipeline is stored (here without it, as a rerun comes after its pipeline was), it is written back.
    const pipeline = pipelineSchema.parse(rig.sim.world.state.pipelines.get(pipelineId as string));
    await commitAsSync(rig.writer, slug, { pipelines: [pipeline], workflows: [] });
    const again = rig.factory();
    expect((await again.forRequest().workflow.load(workflowId))?.id).toBe(workflowId);
    await again.drain();
    expect((await rig.store.getWorkflows([workflowId]))[0]?.id).toBe(workflowId);
    expect((await rig.store.getJobsOf([workflowId]))[0]?.map((job) => job.id)).toEqual(truth.jobsByWorkflow.get(workflowId));
  });
});
