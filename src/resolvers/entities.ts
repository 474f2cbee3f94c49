import "reflect-metadata";
import { Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { PipelineConnection, PipelinePageArgs } from "../schema/connection.js";
import { JobType } from "../schema/enums.js";
import { Job } from "../schema/job.js";
import { JobDetail } from "../schema/job-detail.js";
import { TestResult } from "../schema/tests.js";
import { isTerminalJobStatus } from "../sync/index.js";
import { Pipeline } from "../schema/pipeline.js";
import { Project } from "../schema/project.js";
import { Workflow } from "../schema/workflow.js";
import { loadNow } from "../loaders/index.js";
import { projectSlugIn } from "./context.js";
import type { GatewayContext } from "./context.js";
import { mapJobDetail, mapJobs, mapPipeline, mapProjectAs, mapTestResults, mapWorkflows } from "./map.js";
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
    @Ctx() context: GatewayContext,
  ): Promise<PipelineConnection> {
    return loadPipelineConnection(context.loaders, projectSlugIn(context, project.slug), page);
  }
}

@Resolver(() => Pipeline)
export class PipelineResolver {
  @FieldResolver(() => Project, { nullable: true, description: "The project it belongs to; null when it cannot be loaded." })
  async project(@Root() pipeline: Pipeline, @Ctx() context: GatewayContext): Promise<Project | null> {
    const slug = projectSlugIn(context, pipeline.projectSlug);
    const project = await context.loaders.project.load(slug);
    return project === null ? null : mapProjectAs(project, slug);
  }

  @FieldResolver(() => [Workflow], { description: "The workflows it started, oldest first (reruns after what they rerun)." })
  workflows(@Root() pipeline: Pipeline, @Ctx() { loaders }: GatewayContext): Workflow[] | Promise<Workflow[]> {
    return whenLoaded(loadNow(loaders.workflowsOfPipeline, pipeline.id), mapWorkflows);
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
  jobs(@Root() workflow: Workflow, @Ctx() { loaders }: GatewayContext): Job[] | Promise<Job[]> {
    return whenLoaded(loadNow(loaders.jobsOfWorkflow, workflow.id), mapJobs);
  }
}

@Resolver(() => Job)
export class JobResolver {
  @FieldResolver(() => JobDetail, {
    nullable: true,
    description: "The job in detail (executor, timings, steps); null for approval jobs and jobs without a number yet.",
  })
  details(@Root() job: Job, @Ctx() context: GatewayContext): JobDetail | null | Promise<JobDetail | null> {
    if (job.type !== JobType.BUILD || job.jobNumber === null) return null;
    const record = loadNow(context.loaders.jobRecord, { projectSlug: projectSlugIn(context, job.projectSlug), number: job.jobNumber });
    return whenLoaded(record, (loaded) => (loaded === null ? null : mapJobDetail(loaded)));
  }
}

@Resolver(() => JobDetail)
export class JobDetailResolver {
  @FieldResolver(() => [TestResult], {
    description:
      "Its test results, as the job stored them; empty until it has finished, and for a job that stored none. Read from the cache, else from CircleCI once (then cached).",
  })
  async tests(@Root() detail: JobDetail, @Ctx() context: GatewayContext): Promise<TestResult[]> {
    const key = { projectSlug: projectSlugIn(context, detail.projectSlug), number: detail.number };
    // The request's loader already holds the record this detail was mapped from.
    const record = await context.loaders.jobRecord.load(key);
    if (record === null || !isTerminalJobStatus(record.details.status)) return [];
    return mapTestResults(record.tests ?? (await context.loaders.testResults.load(key)));
  }
}

/** `map` of a value `loadNow` gave: at once when it came at once, so the field completes synchronously. */
function whenLoaded<V, R>(value: V | Promise<V>, map: (loaded: V) => R): R | Promise<R> {
  return value instanceof Promise ? value.then(map) : map(value);
}
