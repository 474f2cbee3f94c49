import type { Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import { sortPendingApprovals } from "../store/order.js";
import type { PendingApprovalRecord } from "../store/store.js";
import type { Loaders } from "./loaders.js";
import { syncedProjects } from "./synced-projects.js";

/** An approval job on hold, with the documents it belongs to. */
export interface PendingApproval {
  record: PendingApprovalRecord;
  job: WorkflowJob;
  workflow: Workflow;
  pipeline: Pipeline;
}

/**
 * Every approval job on hold in one project (every project the store holds when none is named), oldest first, from
 * the index the writer keeps. An approval whose job the store no longer holds (or whose workflow or pipeline
 * neither the store nor CircleCI has) is left out.
 */
export async function loadPendingApprovals(loaders: Loaders, projectSlug: string | null | undefined): Promise<PendingApproval[]> {
  const projects = await syncedProjects(loaders, projectSlug == null ? undefined : [projectSlug]);
  const lists = await loaders.pendingApprovals.loadMany(projects.map(({ slug }) => slug));
  const records = sortPendingApprovals(
    lists.flatMap((list) => {
      if (list instanceof Error) throw list;
      return list;
    }),
  );
  const [jobs, workflows, pipelines] = await Promise.all([
    loaders.job.loadMany(records.map(({ jobId }) => jobId)),
    loaders.workflow.loadMany(records.map(({ workflowId }) => workflowId)),
    loaders.pipeline.loadMany(records.map(({ pipelineId }) => pipelineId)),
  ]);
  return records.flatMap((record, index) => {
    const [job, workflow, pipeline] = [jobs[index], workflows[index], pipelines[index]];
    for (const found of [job, workflow, pipeline]) if (found instanceof Error) throw found;
    if (job == null || workflow == null || pipeline == null) return [];
    return [{ record, job, workflow, pipeline } as PendingApproval];
  });
}
