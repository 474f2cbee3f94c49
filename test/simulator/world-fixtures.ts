/** Ways into a generated world for tests that act on it: its GitHub project, a pipeline's workflows and jobs, a failed, a held workflow. */
import type { WorkflowJobWire, WorkflowWire } from "../../src/simulator/model.js";
import type { World } from "../../src/simulator/world.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export function ghSlug(world: World): string {
  return [...world.state.projects.keys()].find((slug) => slug.startsWith("gh/")) as string;
}

export function workflowsOf(world: World, pipelineId: string): WorkflowWire[] {
  return (world.state.workflowsByPipeline.get(pipelineId) ?? []).map((id) => world.state.workflows.get(id) as WorkflowWire);
}

export function jobsOf(world: World, workflowId: string): WorkflowJobWire[] {
  return world.state.jobsByWorkflow.get(workflowId) ?? [];
}

/** Triggers pipelines one by one until a workflow ends `failed`; deterministic for a given seed. */
export function failedWorkflow(world: World): WorkflowWire {
  for (let attempt = 0; attempt < 200; attempt++) {
    const pipeline = world.triggerPipeline(ghSlug(world));
    world.advance(3 * HOUR);
    const failed = workflowsOf(world, pipeline.id).find((w) => w.status === "failed");
    if (failed) return failed;
  }
  throw new Error("no workflow failed in 200 pipelines");
}

/** A new pipeline whose first workflow waits on an approval nobody resolves, a minute in: its first jobs run. */
export function heldWorkflow(world: World): { workflow: WorkflowWire; approval: WorkflowJobWire } {
  const pipeline = world.triggerPipeline(ghSlug(world), { holdForApproval: true });
  world.advance(MINUTE);
  const [workflow] = workflowsOf(world, pipeline.id) as [WorkflowWire];
  return { workflow, approval: jobsOf(world, workflow.id).find((job) => job.type === "approval") as WorkflowJobWire };
}

/** A build job running in a new held workflow. */
export function runningBuildJob(world: World): WorkflowJobWire {
  const { workflow } = heldWorkflow(world);
  const job = jobsOf(world, workflow.id).find((candidate) => candidate.status === "running");
  if (!job) throw new Error("nothing runs a minute into a held workflow");
  return job;
}

/** A new held workflow moved on until its approval job is on hold (every build before it succeeds). */
export function awaitingApproval(world: World): { workflow: WorkflowWire; approval: WorkflowJobWire } {
  const held = heldWorkflow(world);
  for (let waited = 0; held.approval.status !== "on_hold"; waited += MINUTE) {
    if (waited > 3 * HOUR) throw new Error("the approval of a held workflow is not on hold after 3 hours");
    world.advance(MINUTE);
  }
  return held;
}
