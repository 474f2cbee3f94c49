import { afterEach, describe, expect, it } from "vitest";
import type { ChangeEvent } from "../../src/store/events.js";
import { BACKFILL_DAYS, DAY_MS, eventKey, expectedEventKeys, HOUR_MS, NOW, startRig, statusSnapshot } from "./harness.js";
import type { SyncRig } from "./harness.js";
import { storeKinds } from "./stores.js";

let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const SINCE = NOW - BACKFILL_DAYS * DAY_MS;

/** Runs `change`, then one cycle; asserts the store equals the truth and the events are exactly the changes. */
async function cycleAfter(current: SyncRig, change: () => void): Promise<ChangeEvent[]> {
  const before = statusSnapshot(current.sim, current.slugs, SINCE);
  change();
  const after = statusSnapshot(current.sim, current.slugs, SINCE);
  const report = await current.engine.runCycle();
  expect(report.ok).toBe(true);
  expect(await current.differences()).toEqual([]);
  const events = await current.takeEvents();
  const keys = events.map(eventKey);
  expect(keys.sort()).toEqual(expectedEventKeys(before, after));
  return events;
}

function heldApproval(current: SyncRig, pipelineId: string): { workflowId: string; approvalId: string } {
  const { state } = current.sim.world;
  for (const workflowId of state.workflowsByPipeline.get(pipelineId) ?? []) {
    const job = (state.jobsByWorkflow.get(workflowId) ?? []).find((candidate) => candidate.status === "on_hold");
    if (job?.approval_request_id !== undefined) return { workflowId, approvalId: job.approval_request_id };
  }
  throw new Error(`pipeline ${pipelineId} has no approval on hold`);
}

function finishedWorkflowOf(current: SyncRig, pipelineIds: readonly string[]): string {
  const { state } = current.sim.world;
  const finished = pipelineIds
    .flatMap((id) => state.workflowsByPipeline.get(id) ?? [])
    .find((id) => state.workflows.get(id)?.stopped_at != null);
  if (finished === undefined) throw new Error("no finished workflow to rerun");
  return finished;
}

describe.each(storeKinds())("a cycle after CircleCI moved on ($name)", ({ create }) => {
  it("catches up with new pipelines, finished jobs, approvals and reruns, announcing each change once", async () => {
    const current = (rig = await startRig({ store: create() }));
    const [first, second] = current.slugs as [string, string];
    await current.engine.runCycle();
    await current.takeEvents();

    let fresh: string[] = [];
    let held = "";
    const created = await cycleAfter(current, () => {
      fresh = [1, 2, 3].map(() => current.sim.world.triggerPipeline(first).id);
      held = current.sim.world.triggerPipeline(second, { holdForApproval: true }).id;
      current.sim.world.advance(2 * 60_000);
    });
    expect(created.filter((event) => event.type === "pipeline.created")).toHaveLength(4);

    const finished = await cycleAfter(current, () => {
      current.sim.world.advance(HOUR_MS);
      const { workflowId, approvalId } = heldApproval(current, held);
      current.sim.world.approve(workflowId, approvalId);
      current.sim.world.rerunWorkflow(finishedWorkflowOf(current, fresh), { fromFailed: true });
      current.sim.world.advance(60_000);
    });
    expect(finished.some((event) => event.type === "job.status_changed" && event.previousStatus === "on_hold")).toBe(true);
    expect(finished.some((event) => event.type === "workflow.status_changed" && event.previousStatus === null)).toBe(true);

    // Nothing moved: a cycle writes nothing new and announces nothing.
    const quiet = await current.engine.runCycle();
    expect(quiet.streams.reduce((sum, stream) => sum + stream.records, 0)).toBe(0);
    expect(await current.takeEvents()).toEqual([]);
  });

  it("re-polls a workflow on hold for two days, long after its pipeline left the overlap", async () => {
    const current = (rig = await startRig({ store: create() }));
    const [slug] = current.slugs as [string];
    await current.engine.runCycle();
    let held = "";
    await cycleAfter(current, () => {
      held = current.sim.world.triggerPipeline(slug, { holdForApproval: true }).id;
      current.sim.world.advance(HOUR_MS);
    });
    for (let half = 0; half < 4; half++) {
      await cycleAfter(current, () => {
        current.sim.world.advance(12 * HOUR_MS);
        current.sim.world.triggerPipeline(slug);
      });
    }
    expect((await current.store.listActivePipelines()).map(({ id }) => id)).toContain(held);

    const approved = await cycleAfter(current, () => {
      const { workflowId, approvalId } = heldApproval(current, held);
      current.sim.world.approve(workflowId, approvalId);
      current.sim.world.advance(HOUR_MS);
    });
    expect(approved.some((event) => event.type === "workflow.status_changed" && event.workflow.pipeline_id === held)).toBe(true);
    expect((await current.store.listActivePipelines()).map(({ id }) => id)).not.toContain(held);
  });
});
