import "reflect-metadata";
import { Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { PipelineConnection, PipelinePageArgs } from "../schema/connection.js";
import { JobType } from "../schema/enums.js";
import { Job } from "../schema/job.js";
import { JobDetail } from "../schema/job-detail.js";
import { Pipeline } from "../schema/pipeline.js";
import { Project } from "../schema/project.js";
import { Workflow } from "../schema/workflow.js";
import type { GatewayContext } from "./context.js";
import { mapJob, mapJobDetail, mapPipeline, mapProject, mapWorkflow } from "./map.js";
import { loadPipelineConnection } from "./pipeline-connection.js";

/*
 * The fields that follow a link from one entity to another. Each asks one loader, so a list of parents costs one
 * batch, not one call per parent. The nullable ones are where an upstream failure stops: the error is reported on
 * that field and the rest of the answer is served.
 */

@Resolver(() => Project)
export class ProjectResolver {
  @FieldResolver(() => PipelineConnection, { description: "A page of the project's pipelines, newest first." })
  async pipelines(
    @Root() project: Project,
    @Args(() => PipelinePageArgs) page: PipelinePageArgs,
    @Ctx() { loaders }: GatewayContext,
  ): Promise<PipelineConnection> {
    return loadPipelineConnection(loaders, project.slug, page);
  }
}

@Resolver(() => Pipeline)
export class PipelineResolver {
  @FieldResolver(() => Project, { nullable: true, description: "The project it belongs to; null when it cannot be loaded." })
  async project(@Root() pipeline: Pipeline, @Ctx() { loaders }: GatewayContext): Promise<Project | null> {
    const project = await loaders.project.load(pipeline.projectSlug);
    return project === null ? null : mapProject(project);
  }

  @FieldResolver(() => [Workflow], { description: "The workflows it started, oldest first (reruns after what they rerun)." })
  async workflows(@Root() pipeline: Pipeline, @Ctx() { loaders }: GatewayContext): Promise<Workflow[]> {
    return (await loaders.workflowsOfPipeline.load(pipeline.id)).map(mapWorkflow);
  }
}

@Resolver(() => Workflow)
export class WorkflowResolver {
  @FieldResolver(() => Pipeline, { nullable: true, description: "The pipeline it belongs to; null when it cannot be loaded." })
  async pipeline(@Root() workflow: Workflow, @Ctx() { loaders }: GatewayContext): Promise<Pipeline | null> {
    const pipeline = await loaders.pipeline.load(workflow.pipelineId);
    return pipeline === null ? null : mapPipeline(pipeline);
  }

  @FieldResolver(() => [Job], { description: "Its jobs, in CircleCI's order." })
  async jobs(@Root() workflow: Workflow, @Ctx() { loaders }: GatewayContext): Promise<Job[]> {
    return (await loaders.jobsOfWorkflow.load(workflow.id)).map(mapJob);
  }
}

@Resolver(() => Job)
export class JobResolver {
  @FieldResolver(() => JobDetail, {
    nullable: true,
    description: "The job in detail (executor, timings, steps); null for approval jobs and jobs without a number yet.",
  })
  async details(@Root() job: Job, @Ctx() { loaders }: GatewayContext): Promise<JobDetail | null> {
    if (job.type !== JobType.BUILD || job.jobNumber === null) return null;
    const record = await loaders.jobRecord.load({ projectSlug: job.projectSlug, number: job.jobNumber });
    return record === null ? null : mapJobDetail(record);
  }
}
