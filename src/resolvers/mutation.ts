import "reflect-metadata";
import { Arg, Ctx, ID, Int, Mutation, Resolver } from "type-graphql";
import { Job } from "../schema/job.js";
import { JobDetail } from "../schema/job-detail.js";
import { Pipeline } from "../schema/pipeline.js";
import { JSONObject } from "../schema/scalars.js";
import { Workflow } from "../schema/workflow.js";
import type { GatewayContext } from "./context.js";
import { actionError } from "./errors.js";
import { mapJob, mapJobDetail, mapPipeline, mapWorkflow } from "./map.js";

const IDEMPOTENCY_KEY = {
  nullable: true,
  description:
    "Any text of up to 256 characters, unique per request (a UUID): a request with a key seen in the last 10 minutes, on any instance, answers the first one's result without acting again.",
} as const;

/** Runs an action, its failure as the client should read it. */
async function acting<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw actionError(error);
  }
}

/**
 * The actions on CircleCI. Each is sent once, then what it changed is read back and stored as the sync stores it, so
 * subscribers on every instance hear of it at once. Only callers with a key of GATEWAY_WRITE_KEYS may run them.
 * Arguments are declared last first: type-graphql lists them in reverse parameter order.
 */
@Resolver()
export class MutationResolver {
  @Mutation(() => Pipeline, { description: "Triggers a pipeline; answers the new pipeline, often still `PENDING` (its workflows follow a moment later)." })
  triggerPipeline(
    @Arg("idempotencyKey", () => String, IDEMPOTENCY_KEY) idempotencyKey: string | null | undefined,
    @Arg("parameters", () => JSONObject, { nullable: true, description: "Pipeline parameters: names to strings, numbers or booleans." })
    parameters: Record<string, unknown> | null | undefined,
    @Arg("tag", () => String, { nullable: true, description: "The git tag to run (not with `branch`)." }) tag: string | null | undefined,
    @Arg("branch", () => String, { nullable: true, description: "The branch to run; neither branch nor tag: the project's default branch." })
    branch: string | null | undefined,
    @Arg("projectSlug", () => String, { description: "The project slug, e.g. `gh/acme/api`: one of the projects the gateway syncs." }) projectSlug: string,
    @Ctx() { actions }: GatewayContext,
  ): Promise<Pipeline> {
    return acting(async () => mapPipeline(await actions.triggerPipeline({ projectSlug, branch, tag, parameters, idempotencyKey })));
  }

  @Mutation(() => Workflow, { description: "Reruns a finished workflow; answers the NEW workflow CircleCI created in the same pipeline." })
  rerunWorkflow(
    @Arg("idempotencyKey", () => String, IDEMPOTENCY_KEY) idempotencyKey: string | null | undefined,
    @Arg("jobIds", () => [ID], { nullable: true, description: "Rerun these jobs of it (and what depends on them), not the whole workflow." })
    jobIds: string[] | null | undefined,
    @Arg("fromFailed", () => Boolean, { nullable: true, defaultValue: false, description: "Rerun only the jobs that did not succeed (and what depends on them)." })
    fromFailed: boolean | null | undefined,
    @Arg("id", () => ID, { description: "The id of the workflow to rerun." }) id: string,
    @Ctx() { actions }: GatewayContext,
  ): Promise<Workflow> {
    return acting(async () => mapWorkflow(await actions.rerunWorkflow({ id, fromFailed, jobIds, idempotencyKey })));
  }

  @Mutation(() => Workflow, { description: "Cancels a workflow; answers it as read after the cancel." })
  cancelWorkflow(@Arg("id", () => ID, { description: "The id of the workflow to cancel." }) id: string, @Ctx() { actions }: GatewayContext): Promise<Workflow> {
    return acting(async () => mapWorkflow(await actions.cancelWorkflow(id)));
  }

  @Mutation(() => Job, { description: "Approves an approval job that is on hold; answers it as read after the approval." })
  approveJob(
    @Arg("jobId", () => ID, { description: "The id of the approval job (its approval request is looked up)." }) jobId: string,
    @Arg("workflowId", () => ID, { description: "The id of the workflow it belongs to." }) workflowId: string,
    @Ctx() { actions }: GatewayContext,
  ): Promise<Job> {
    return acting(async () => mapJob(await actions.approveJob(workflowId, jobId)));
  }

  @Mutation(() => JobDetail, { description: "Cancels a build job; answers it as read after the cancel." })
  cancelJob(
    @Arg("number", () => Int, { description: "The job number within the project." }) number: number,
    @Arg("projectSlug", () => String, { description: "The project slug, e.g. `gh/acme/api`: one of the projects the gateway syncs." }) projectSlug: string,
    @Ctx() { actions }: GatewayContext,
  ): Promise<JobDetail> {
    return acting(async () => mapJobDetail(await actions.cancelJob(projectSlug, number)));
  }
}
