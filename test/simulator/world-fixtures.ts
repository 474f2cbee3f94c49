/** Ways into a generated world for tests that act on it: its GitHub project, the workflows and jobs of a pipeline, a failed workflow. */
import type { WorkflowJobWire, WorkflowWire } from "../../src/simulator/model.js";
import type { World } from "../../src/simulator/world.js";

const HOUR = 3_600_000;

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
