import "reflect-metadata";
import { Arg, Args, Ctx, ID, Int, Query, Resolver } from "type-graphql";
import { PipelineConnection, PipelinePageArgs } from "../schema/connection.js";
import { Context } from "../schema/context.js";
import { JobDetail } from "../schema/job-detail.js";
import { Pipeline } from "../schema/pipeline.js";
import { Project } from "../schema/project.js";
import { SyncStatus } from "../schema/sync-status.js";
import { Workflow } from "../schema/workflow.js";
import { projectSlugIn } from "./context.js";
import type { GatewayContext } from "./context.js";
import { mapContext, mapJobDetail, mapPipeline, mapProjectAs, mapSyncStatus, mapWorkflow } from "./map.js";
import { loadPipelineConnection } from "./pipeline-connection.js";

/** Arguments are declared last first: type-graphql lists them in reverse parameter order. */
@Resolver()
export class QueryResolver {
  @Query(() => [Project], {
    description:
      "The configured projects (`CIRCLECI_PROJECT_SLUGS`), in that order. One CircleCI cannot show (or fails to " +
      "load) is still listed, by its slug.",
  })
  async projects(@Ctx() context: GatewayContext): Promise<Project[]> {
    const slugs = context.projectSlugs.map((slug) => projectSlugIn(context, slug));
    const loaded = await context.loaders.project.loadMany(slugs);
    return slugs.map((slug, index) => {
      const project = loaded[index];
      return mapProjectAs(project == null || project instanceof Error ? { slug } : project, slug);
    });
  }

  @Query(() => Project, {
    nullable: true,
    description: "A project by slug, configured or not, in any spelling of it (`github/...`, another case); null when CircleCI does not know it.",
  })
  async project(
    @Arg("slug", () => String, { description: "The project slug, e.g. `gh/acme/api`." }) slug: string,
    @Ctx() context: GatewayContext,
  ): Promise<Project | null> {
    const spelled = projectSlugIn(context, slug);
    const project = await context.loaders.project.load(spelled);
    return project === null ? null : mapProjectAs(project, spelled);
  }

  @Query(() => Pipeline, { nullable: true, description: "A pipeline by id; null when CircleCI does not know it." })
  async pipeline(
    @Arg("id", () => ID, { description: "The pipeline id." }) id: string,
    @Ctx() { loaders }: GatewayContext,
  ): Promise<Pipeline | null> {
    const pipeline = await loaders.pipeline.load(id);
    return pipeline === null ? null : mapPipeline(pipeline);
  }

  @Query(() => PipelineConnection, { description: "A page of a project's pipelines, newest first." })
  async pipelines(
    @Args(() => PipelinePageArgs) page: PipelinePageArgs,
    @Arg("projectSlug", () => String, { description: "The project slug, e.g. `gh/acme/api`, in any spelling of it." }) projectSlug: string,
    @Ctx() context: GatewayContext,
  ): Promise<PipelineConnection> {
    return loadPipelineConnection(context.loaders, projectSlugIn(context, projectSlug), page);
  }

  @Query(() => Workflow, { nullable: true, description: "A workflow by id; null when CircleCI does not know it." })
  async workflow(
    @Arg("id", () => ID, { description: "The workflow id." }) id: string,
    @Ctx() { loaders }: GatewayContext,
  ): Promise<Workflow | null> {
    const workflow = await loaders.workflow.load(id);
    return workflow === null ? null : mapWorkflow(workflow);
  }

  @Query(() => JobDetail, { nullable: true, description: "A build job by project and number; null for approval jobs and unknown numbers." })
  async job(
    @Arg("number", () => Int, { description: "The job number within the project." }) number: number,
    @Arg("projectSlug", () => String, { description: "The project slug, e.g. `gh/acme/api`, in any spelling of it." }) projectSlug: string,
    @Ctx() context: GatewayContext,
  ): Promise<JobDetail | null> {
    const record = await context.loaders.jobRecord.load({ projectSlug: projectSlugIn(context, projectSlug), number });
    return record === null ? null : mapJobDetail(record);
  }

  @Query(() => [Context], { description: "The organization's contexts, by name." })
  async contexts(@Ctx() { loaders }: GatewayContext): Promise<Context[]> {
    return (await loaders.contexts()).map(mapContext);
  }

  @Query(() => SyncStatus, { description: "How fresh the cache is: the background sync's state, per stream and project." })
  async syncStatus(@Ctx() { loaders }: GatewayContext): Promise<SyncStatus> {
    return mapSyncStatus(await loaders.syncStatus());
  }
}
