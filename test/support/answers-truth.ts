/**
 * The status board and the approvals inbox as the simulated CircleCI's own data gives them (the truth), computed
 * with the answers' pure definitions over the world's documents (in the form the store keeps them, `storedForm`, as
 * the indexes embed them), never over the store: what the gateway's indexes must equal.
 */
import { boardOf } from "../../src/answers/index.js";
import type { BoardEntry, WorkflowRun } from "../../src/answers/index.js";
import { jobDetailsSchema, pipelineSchema, workflowJobSchema, workflowSchema } from "../../src/circleci/schemas.js";
import type { Pipeline, Workflow, WorkflowJob } from "../../src/circleci/index.js";
import { jobKey } from "../../src/simulator/state.js";
import type { World } from "../../src/simulator/world.js";
import { storedForm } from "../../src/store/codec.js";
import { isLiveWorkflowStatus } from "../../src/sync/live.js";
import { truthTestResults } from "./truth.js";

/** Which boards: `undefined` branch for each project's default branch, `"*"` for every branch. */
export interface BoardQuery {
  projectSlugs: readonly string[];
  /** Epoch ms: the pipelines created since (the sync's window). */
  since: number;
  branch?: string;
}

/** The project's pipelines created since `since`, as the client parses them, newest first. */
export function truthPipelines(world: World, slug: string, since: number): Pipeline[] {
  const { state } = world;
  return (state.pipelinesByProject.get(slug) ?? []).flatMap((id) => {
    const wire = state.pipelines.get(id);
    return wire === undefined || Date.parse(wire.created_at) < since ? [] : [storedForm("pipeline", pipelineSchema.parse(wire))];
  });
}

export function truthWorkflows(world: World, pipelineId: string): Workflow[] {
  return (world.state.workflowsByPipeline.get(pipelineId) ?? []).flatMap((id) => {
    const wire = world.state.workflows.get(id);
    return wire === undefined ? [] : [storedForm("workflow", workflowSchema.parse(wire))];
  });
}

/** The branches with a pipeline since `since` (tag pipelines have none), by name. */
export function truthBranches(world: World, slug: string, since: number): string[] {
  return [...new Set(truthPipelines(world, slug, since).flatMap((pipeline) => (pipeline.vcs?.branch == null ? [] : [pipeline.vcs.branch])))].sort();
}

export function truthDefaultBranch(world: World, slug: string): string {
  const project = world.state.projects.get(slug);
  if (project === undefined) throw new Error(`no project ${slug} in the world`);
  return project.vcs_info.default_branch;
}

/** The board entries, by project (in the order given), branch and workflow name. */
export function truthBoard(world: World, query: BoardQuery): BoardEntry[] {
  return query.projectSlugs.flatMap((slug) => {
    const pipelines = truthPipelines(world, slug, query.since);
    const branches = query.branch === "*" ? truthBranches(world, slug, query.since) : [query.branch ?? truthDefaultBranch(world, slug)];
    return branches.flatMap((branch) =>
      boardOf(
        { projectSlug: slug, branch },
        pipelines.filter((pipeline) => pipeline.vcs?.branch === branch).flatMap((pipeline) => truthWorkflows(world, pipeline.id)),
      ),
    );
  });
}

/** An approval on hold in the world, and since when (the simulator releases it when its last dependency stops). */
export interface TruthApproval {
  job: WorkflowJob;
  workflow: Workflow;
  pipeline: Pipeline;
  waitingSince: string;
}

/** Every approval job on hold in a live workflow of these projects' pipelines since `since`, oldest first. */
export function truthApprovals(world: World, projectSlugs: readonly string[], since: number): TruthApproval[] {
  const approvals = projectSlugs.flatMap((slug) =>
    truthPipelines(world, slug, since).flatMap((pipeline) =>
      truthWorkflows(world, pipeline.id).flatMap((workflow) => {
        const jobs = (world.state.jobsByWorkflow.get(workflow.id) ?? []).map((job) => storedForm("job", workflowJobSchema.parse(job)));
        return jobs.flatMap((job) => {
          if (job.type !== "approval" || job.status !== "on_hold" || !isLiveWorkflowStatus(workflow.status)) return [];
          const released = jobs.filter((other) => job.dependencies.includes(other.id)).map((other) => Date.parse(other.stopped_at ?? ""));
          const waitingSince = released.length === 0 ? workflow.created_at : new Date(Math.max(...released)).toISOString();
          return [{ job, workflow, pipeline, waitingSince }];
        });
      }),
    ),
  );
  return approvals.sort((a, b) => Date.parse(a.waitingSince) - Date.parse(b.waitingSince) || (a.job.id < b.job.id ? -1 : 1));
}

/**
 * The world's runs of these pipelines as the client parses them: each workflow with its jobs and their details, and
 * with `tests` each build job's test results as CircleCI serves them.
 */
export function truthRunsOf(world: World, slug: string, pipelines: readonly Pipeline[], options: { tests: boolean }): WorkflowRun[] {
  return pipelines.flatMap((pipeline) =>
    truthWorkflows(world, pipeline.id).map((workflow) => ({
      workflow,
      revision: pipeline.vcs?.revision ?? null,
      jobs: (world.state.jobsByWorkflow.get(workflow.id) ?? []).map((wire) => {
        const job = workflowJobSchema.parse(wire);
        const details = job.job_number == null ? undefined : world.state.jobDetails.get(jobKey(slug, job.job_number));
        if (details === undefined) return { job };
        return { job, details: jobDetailsSchema.parse(details), ...(options.tests ? { tests: truthTestResults(slug, details) } : {}) };
      }),
    })),
  );
}
