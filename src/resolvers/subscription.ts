import "reflect-metadata";
import { Arg, Ctx, Resolver, Root, Subscription } from "type-graphql";
import type { SubscriptionHandlerData } from "type-graphql";
import { BoardEntry } from "../schema/board-entry.js";
import { Job } from "../schema/job.js";
import { PendingApproval } from "../schema/pending-approval.js";
import { Pipeline } from "../schema/pipeline.js";
import { Workflow } from "../schema/workflow.js";
import { projectKey } from "../project-slug.js";
import type { ChangeEvent } from "../store/index.js";
import { CHANGE_TOPICS } from "./change-topics.js";
import { projectSlugIn } from "./context.js";
import type { GatewayContext } from "./context.js";
import { mapBoardEntry, mapJob, mapPendingApproval, mapPipeline, mapWorkflow, spelled } from "./map.js";

type EventOf<Type extends ChangeEvent["type"]> = Extract<ChangeEvent, { type: Type }>;

interface ProjectFilterArgs {
  projectSlug?: string | null;
}

/** Events carry the project's key; the argument may be any spelling of the project. */
function ofRequestedProject({ payload, args }: SubscriptionHandlerData<ChangeEvent, ProjectFilterArgs>): boolean {
  return args.projectSlug == null || projectKey(args.projectSlug) === payload.projectSlug;
}

const PROJECT_SLUG_ARG = {
  nullable: true,
  description: "Only this project's changes (its slug in any spelling); every configured project's when absent.",
};

@Resolver()
export class SubscriptionResolver {
  @Subscription(() => Pipeline, {
    topics: CHANGE_TOPICS["pipeline.created"],
    filter: ofRequestedProject,
    description: "Each new pipeline, as the sync (or a webhook) sees it.",
  })
  pipelineCreated(
    @Root() event: EventOf<"pipeline.created">,
    @Arg("projectSlug", () => String, PROJECT_SLUG_ARG) _projectSlug?: string | null,
  ): Pipeline {
    return mapPipeline(event.pipeline);
  }

  @Subscription(() => Workflow, {
    topics: CHANGE_TOPICS["workflow.status_changed"],
    filter: ofRequestedProject,
    description: "Each workflow whose status changed (a new workflow counts), with its new status.",
  })
  workflowStatusChanged(
    @Root() event: EventOf<"workflow.status_changed">,
    @Arg("projectSlug", () => String, PROJECT_SLUG_ARG) _projectSlug?: string | null,
  ): Workflow {
    return mapWorkflow(event.workflow);
  }

  @Subscription(() => Job, {
    topics: CHANGE_TOPICS["job.status_changed"],
    filter: ofRequestedProject,
    description: "Each job whose status changed (a new job counts), with its new status.",
  })
  jobStatusChanged(
    @Root() event: EventOf<"job.status_changed">,
    @Arg("projectSlug", () => String, PROJECT_SLUG_ARG) _projectSlug?: string | null,
  ): Job {
    return mapJob(event.job);
  }

  @Subscription(() => PendingApproval, {
    topics: CHANGE_TOPICS["approval.requested"],
    filter: ofRequestedProject,
    description: "Each approval job that went on hold: someone has to approve it.",
  })
  approvalRequested(
    @Root() event: EventOf<"approval.requested">,
    @Arg("projectSlug", () => String, PROJECT_SLUG_ARG) _projectSlug?: string | null,
  ): PendingApproval {
    return mapPendingApproval(event.approval);
  }

  @Subscription(() => BoardEntry, {
    topics: CHANGE_TOPICS["board.changed"],
    filter: ofRequestedProject,
    description: "Each status board entry whose latest run or status changed (a new entry counts), as it is now.",
  })
  boardChanged(
    @Root() event: EventOf<"board.changed">,
    @Ctx() context: GatewayContext,
    @Arg("projectSlug", () => String, PROJECT_SLUG_ARG) _projectSlug?: string | null,
  ): BoardEntry {
    return spelled(mapBoardEntry(event.entry), projectSlugIn(context, event.entry.projectSlug));
  }
}
