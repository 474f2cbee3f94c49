/**
 * CircleCI's write endpoints: trigger a pipeline, rerun, cancel and approve. Each answers with the
 * status and body CircleCI documents (201 for a trigger, 202 for workflow actions, 200 for job
 * cancels) and acts on the world at once, in its simulated time: what follows (workflows starting,
 * jobs stopping) happens as the clock moves on. Bodies are checked against the shapes CircleCI
 * documents; tokens without write access never get here (the server answers 403).
 */
import { z } from "zod";
import { InvalidActionError, UnknownResourceError } from "./errors.js";
import type { RefusalReason } from "./errors.js";
import type { ProjectWire } from "./model.js";
import { defineRoute, errorReply, jsonReply } from "./router.js";
import type { Reply, Route, RouteRequest } from "./router.js";
import { NOT_FOUND, visibleProject, visibleProjectBySlug, visibleWorkflow } from "./routes-v2.js";
import type { V2Context } from "./routes-v2.js";
import type { World } from "./world.js";

/**
 * What CircleCI answers when it refuses an action. Where it is documented or has been seen, its own
 * words; where neither, a sentence in its style (marked).
 */
const REFUSED = {
  /** Seen from the classic trigger for a body it cannot use (an empty branch). */
  invalidTriggerBody: "Invalid input",
  /** Documented for the newer trigger's 400 and used by CircleCI for bodies that do not fit. */
  unexpectedBody: "Unexpected request body provided.",
  /** The classic trigger's own documentation: it cannot trigger GitHub App or GitLab projects. */
  classicTriggerUnsupported: "This endpoint does not support triggering pipelines integrated with GitLab or GitHub App.",
  /** The newer trigger's documented 404 for a project. */
  projectDoesNotExist: "Project does not exist.",
  /** Seen when rerunning a workflow that is still running (or failing, or on hold). */
  rerunNotFinished: "Workflow must be in a terminal state to be rerun",
  /** Not documented: the simulator's wording. */
  notOnHold: "Job is not on hold.",
  /** Not documented: the simulator's wording. */
  approvalNotFound: "Approval request not found",
} as const;

const ACCEPTED = { message: "Accepted." };

/**
 * Simulated time from an API trigger until the pipeline's config is compiled and its workflows exist:
 * a client that reads the pipeline right after triggering it sees it `pending`, with no workflow yet.
 */
export const TRIGGER_SETUP_MS = 2_000;

const PARAMETER_LIMITS = { entries: 100, keyLength: 128, valueLength: 512 };

function parameters<T extends z.ZodType>(value: T) {
  return z
    .record(z.string().max(PARAMETER_LIMITS.keyLength), value)
    .refine((entries) => Object.keys(entries).length <= PARAMETER_LIMITS.entries);
}

const notBoth = (ref: { branch?: string | undefined; tag?: string | undefined }) => ref.branch === undefined || ref.tag === undefined;

const classicTriggerBody = z
  .object({
    branch: z.string().min(1).optional(),
    tag: z.string().min(1).optional(),
    parameters: parameters(z.union([z.int(), z.string().max(PARAMETER_LIMITS.valueLength), z.boolean()])).optional(),
  })
  .refine(notBoth);

const gitRef = z.strictObject({ branch: z.string().min(1).optional(), tag: z.string().min(1).optional() }).refine(notBoth);

const pipelineRunBody = z.strictObject({
  // Pipeline definitions are not modelled: any definition id of the right form is taken as the project's.
  definition_id: z.guid().optional(),
  config: gitRef.optional(),
  checkout: gitRef.optional(),
  parameters: parameters(z.unknown()).optional(),
});

const rerunBody = z
  .object({
    enable_ssh: z.boolean().optional(),
    from_failed: z.boolean().optional(),
    jobs: z.array(z.guid()).optional(),
    sparse_tree: z.boolean().optional(),
  })
  // `from_failed` and `jobs` exclude each other; `enable_ssh` and `sparse_tree` need `jobs`.
  .refine((body) => !(body.from_failed === true && body.jobs !== undefined))
  .refine((body) => body.jobs !== undefined || (body.enable_ssh !== true && body.sparse_tree !== true));

type Ref = { branch: string } | { tag: string };

const v2 = (template: string, handle: (request: RouteRequest, context: V2Context) => Reply): Route<V2Context> =>
  defineRoute(template, `/api/v2${template}`, handle, { method: "POST" });

export const actionRoutes: readonly Route<V2Context>[] = [
  v2("/project/{slug}/pipeline", ({ params, body }, { world }) => {
    const project = visibleProject(world, params.slug);
    if (!project) return errorReply(404, NOT_FOUND.project);
    if (project.vcs_info.provider === "CircleCI") return errorReply(400, REFUSED.classicTriggerUnsupported);
    const parsed = classicTriggerBody.safeParse(body ?? {});
    if (!parsed.success) return errorReply(400, REFUSED.invalidTriggerBody);
    return trigger(world, project, refOf(parsed.data));
  }),

  v2("/project/{slug}/pipeline/run", ({ params, body }, { world }) => {
    const project = visibleProject(world, params.slug);
    if (!project) return errorReply(404, REFUSED.projectDoesNotExist);
    const parsed = pipelineRunBody.safeParse(body ?? {});
    if (!parsed.success) return errorReply(400, REFUSED.unexpectedBody);
    // The checkout ref is the code the pipeline runs on; the config ref only says where its config comes from.
    return trigger(world, project, refOf(parsed.data.checkout) ?? refOf(parsed.data.config));
  }),

  v2("/workflow/{id}/rerun", ({ params, body }, { world }) => {
    const workflow = visibleWorkflow(world, params.id);
    if (!workflow) return errorReply(404, NOT_FOUND.workflow);
    const parsed = rerunBody.safeParse(body ?? {});
    if (!parsed.success) return errorReply(400, REFUSED.unexpectedBody);
    const { from_failed: fromFailed, jobs } = parsed.data;
    return answering(
      () => jsonReply(202, { workflow_id: world.rerunWorkflow(workflow.id, { fromFailed, jobs }).id }),
      { "workflow-not-finished": errorReply(400, REFUSED.rerunNotFinished), "job-not-in-workflow": errorReply(400, REFUSED.unexpectedBody) },
    );
  }),

  v2("/workflow/{id}/cancel", ({ params }, { world }) => {
    const workflow = visibleWorkflow(world, params.id);
    if (!workflow) return errorReply(404, NOT_FOUND.workflow);
    world.cancelWorkflow(workflow.id);
    return jsonReply(202, ACCEPTED);
  }),

  v2("/workflow/{id}/approve/{approvalRequestId}", ({ params }, { world }) => {
    const workflow = visibleWorkflow(world, params.id);
    if (!workflow) return errorReply(404, NOT_FOUND.workflow);
    return answering(
      () => {
        world.approve(workflow.id, params.approvalRequestId ?? "");
        return jsonReply(202, ACCEPTED);
      },
      {
        "workflow-not-live": errorReply(400, REFUSED.notOnHold),
        "approval-not-on-hold": errorReply(400, REFUSED.notOnHold),
        "approval request": errorReply(404, REFUSED.approvalNotFound),
      },
    );
  }),

  v2("/project/{slug}/job/{number}/cancel", ({ params }, { world }) => {
    const project = visibleProject(world, params.slug);
    if (!project) return errorReply(404, NOT_FOUND.project);
    const number = Number(params.number);
    if (!Number.isInteger(number)) return errorReply(404, NOT_FOUND.job);
    return cancelJob(world, { projectSlug: project.slug, number });
  }),

  v2("/jobs/{id}/cancel", ({ params }, { world }) => {
    const id = params.id ?? "";
    const owner = [...world.state.jobsByWorkflow.values()].flat().find((entry) => entry.id === id)?.project_slug;
    if (owner === undefined || !visibleProjectBySlug(world.state, owner)) return errorReply(404, NOT_FOUND.job);
    return cancelJob(world, { id });
  }),
];

function trigger(world: World, project: ProjectWire, ref: Ref | undefined): Reply {
  const pipeline = world.triggerPipeline(project.slug, {
    ...(ref ?? { branch: project.vcs_info.default_branch }),
    trigger: "api",
    actorId: world.me.id,
    setupMs: TRIGGER_SETUP_MS,
  });
  return jsonReply(201, { id: pipeline.id, state: pipeline.state, number: pipeline.number, created_at: pipeline.created_at });
}

function refOf(ref: { branch?: string | undefined; tag?: string | undefined } | undefined): Ref | undefined {
  if (ref?.tag !== undefined) return { tag: ref.tag };
  return ref?.branch === undefined ? undefined : { branch: ref.branch };
}

function cancelJob(world: World, target: Parameters<World["cancelJob"]>[0]): Reply {
  return answering(
    () => {
      world.cancelJob(target);
      return jsonReply(200, ACCEPTED);
    },
    { job: errorReply(404, NOT_FOUND.job) },
  );
}

/** Runs a world action, answering the refusals listed; any other error is a simulator bug and propagates. */
function answering(action: () => Reply, refusals: Partial<Record<RefusalReason | UnknownResourceError["kind"], Reply>>): Reply {
  try {
    return action();
  } catch (error) {
    const key = error instanceof InvalidActionError ? error.reason : error instanceof UnknownResourceError ? error.kind : undefined;
    const reply = key === undefined ? undefined : refusals[key];
    if (reply === undefined) throw error;
    return reply;
  }
}
