/**
 * Plans: everything random about a pipeline, workflow or job, drawn once when it is created
 * (names, DAG, durations, final outcome, approval behaviour). The lifecycle then only applies a
 * plan as simulated time passes, which is what makes one big `advance` equal many small ones.
 */
import type { JobDetailWire, PipelineWire, ProjectWire, UserWire } from "./model.js";
import {
  APPROVAL_JOB_NAMES,
  BUILD_JOB_NAMES,
  COMMIT_BODIES,
  COMMIT_SUBJECTS,
  EXECUTORS,
  type ExecutorKind,
  FEATURE_BRANCHES,
  GATED_WORKFLOW_NAMES,
  JOB_MESSAGES,
  PIPELINE_ERRORS,
  RUN_STEPS,
  SETUP_WORKFLOW,
  WORKFLOW_NAMES,
} from "./names.js";
import type { Random } from "./random.js";
import { HOUR_MS, MINUTE_MS, SECOND_MS } from "./timestamps.js";

export type BuildOutcome = "success" | "failed" | "infrastructure_fail" | "timedout" | "terminated-unknown";

export interface RunStepPlan {
  name: string;
  command: string;
  /** Most steps print something; a few are silent (`has_output: false`). */
  hasOutput: boolean;
}

export interface BuildPlan {
  kind: "build";
  /** Time spent `queued` before it starts running. */
  queueMs: number;
  runMs: number;
  outcome: BuildOutcome;
  parallelism: number;
  executor: JobDetailWire["executor"];
  contexts: string[];
  messages: JobDetailWire["messages"];
  runSteps: RunStepPlan[];
}

export interface ApprovalPlan {
  kind: "approval";
  /** What happens `afterMs` once the approval is on hold; `never` waits for `World.approve`. */
  resolution: "approve" | "cancel-workflow" | "never";
  afterMs: number;
}

export type JobPlan = BuildPlan | ApprovalPlan;

export interface JobRecipe {
  id: string;
  name: string;
  dependencies: string[];
  plan: JobPlan;
}

export interface WorkflowRecipe {
  name: string;
  /** The setup workflow of a dynamic-config pipeline (`tag: "setup"`). */
  setup: boolean;
  jobs: JobRecipe[];
  /** Workflows that end the moment they are created, their jobs `not_run`. */
  ending?: "error" | "not_run";
  /** A user cancels the workflow this long after creation, if it is still live then. */
  cancelAfterMs?: number;
  /** How many continuation workflows a successful setup workflow adds to its pipeline. */
  continuations: number;
}

export interface PipelineDraft {
  triggerType: string;
  actor: UserWire;
  errors: PipelineWire["errors"];
  vcs?: NonNullable<PipelineWire["vcs"]>;
  triggerParameters?: Record<string, unknown>;
  /** CircleCI sometimes leaves `updated_at` out altogether. */
  hasUpdatedAt: boolean;
  workflows: WorkflowRecipe[];
}

export interface PipelineOptions {
  branch?: string;
  /** A tag pipeline; `branch` is then absent, as the two are mutually exclusive. */
  tag?: string;
  /** `trigger.type`; `api` pipelines carry no `vcs.commit`. */
  trigger?: string;
  /** An errored pipeline: `state: errored`, `errors[]`, no workflows. Wins over `holdForApproval`. */
  errored?: boolean;
  /** The first workflow waits on an approval that only `World.approve` resolves; all its builds succeed. */
  holdForApproval?: boolean;
  /** Who triggered it (a user id of the world); default: someone of the organization, drawn. */
  actorId?: string;
  /**
   * How long the pipeline stays `pending`, with no workflows, before its config is compiled and its
   * workflows start (or it turns `errored`). Default 0: at once.
   */
  setupMs?: number;
}

/** What a plan may refer to: the project and the people and contexts of its organization. */
export interface DrawContext {
  project: ProjectWire;
  users: readonly UserWire[];
  contextNames: readonly string[];
}

const TRIGGER_TYPES = [
  ["webhook", 76],
  ["api", 10],
  ["scheduled_pipeline", 5],
  ["explicit", 4],
  ["Decoupled Ingestion System", 3],
  ["unknown", 2],
] as const;

const BUILD_OUTCOMES = [
  ["success", 95],
  ["failed", 2.6],
  ["infrastructure_fail", 0.8],
  ["timedout", 0.8],
  ["terminated-unknown", 0.8],
] as const;

const WORKFLOW_COUNTS = [
  [1, 55],
  [2, 30],
  [3, 15],
] as const;

const PARALLELISM = [
  [1, 70],
  [2, 15],
  [3, 5],
  [4, 10],
] as const;

const MAX_JOBS = 12;

export function drawPipeline(rng: Random, context: DrawContext, options: PipelineOptions = {}): PipelineDraft {
  const triggerType = options.trigger ?? rng.weighted(TRIGGER_TYPES);
  const errored = options.errored ?? rng.chance(0.04);
  const vcs = drawVcs(rng, context.project, triggerType, options);
  const triggerParameters = drawTriggerParameters(rng, context.project, vcs);
  const draft: PipelineDraft = {
    triggerType,
    actor: context.users.find((user) => user.id === options.actorId) ?? rng.pick(context.users),
    errors: errored ? [{ ...rng.pick(PIPELINE_ERRORS) }] : [],
    hasUpdatedAt: rng.chance(0.85),
    workflows: errored ? [] : drawPipelineWorkflows(rng, context, options.holdForApproval === true),
  };
  if (vcs) draft.vcs = vcs;
  if (triggerParameters) draft.triggerParameters = triggerParameters;
  return draft;
}

function drawPipelineWorkflows(rng: Random, context: DrawContext, hold: boolean): WorkflowRecipe[] {
  if (!hold && rng.chance(0.06)) return [drawSetupWorkflow(rng, context)];
  const names = rng.sample(WORKFLOW_NAMES, rng.weighted(WORKFLOW_COUNTS));
  return names.map((name, index) => drawWorkflow(rng, context, name, hold && index === 0));
}

/** Continuation workflows of a dynamic-config pipeline, drawn when its setup workflow succeeds. */
export function drawContinuations(rng: Random, context: DrawContext, count: number): WorkflowRecipe[] {
  return rng.sample(WORKFLOW_NAMES, count).map((name) => drawWorkflow(rng, context, name, false));
}

function drawSetupWorkflow(rng: Random, context: DrawContext): WorkflowRecipe {
  const ids = SETUP_WORKFLOW.jobs.map(() => rng.uuid());
  const jobs = SETUP_WORKFLOW.jobs.map((name, index) => ({
    id: ids[index] as string,
    name,
    dependencies: ids.slice(0, index),
    plan: drawBuildPlan(rng, context, false),
  }));
  return { name: SETUP_WORKFLOW.name, setup: true, jobs, continuations: rng.int(1, 2) };
}

function drawWorkflow(rng: Random, context: DrawContext, name: string, hold: boolean): WorkflowRecipe {
  const recipe: WorkflowRecipe = { name, setup: false, jobs: drawJobs(rng, context, name, hold), continuations: 0 };
  if (hold) return recipe;
  const fate = rng.next();
  if (fate < 0.015) recipe.ending = "error";
  else if (fate < 0.03) recipe.ending = "not_run";
  else if (fate < 0.06) recipe.cancelAfterMs = rng.int(30 * SECOND_MS, 10 * MINUTE_MS);
  return recipe;
}

/** 2-12 jobs whose dependencies point only backwards, so they always form a DAG. */
function drawJobs(rng: Random, context: DrawContext, workflowName: string, hold: boolean): JobRecipe[] {
  const drawn = 2 + Math.floor(rng.next() ** 1.6 * (MAX_JOBS - 1));
  const count = hold ? Math.max(3, drawn) : drawn;
  const gateChance = GATED_WORKFLOW_NAMES.has(workflowName) ? 0.5 : 0.08;
  const approvalAt = hold || (count >= 3 && rng.chance(gateChance)) ? rng.int(1, count - 2) : -1;
  const names = rng.sample(BUILD_JOB_NAMES, count);
  const ids = names.map(() => rng.uuid());
  return names.map((name, index) => {
    const dependencies = drawDependencies(rng, ids, index, approvalAt);
    const approval = index === approvalAt;
    return {
      id: ids[index] as string,
      name: approval ? rng.pick(APPROVAL_JOB_NAMES) : name,
      dependencies,
      plan: approval ? drawApprovalPlan(rng, hold) : drawBuildPlan(rng, context, hold),
    };
  });
}

function drawDependencies(rng: Random, ids: readonly string[], index: number, approvalAt: number): string[] {
  if (index === 0) return [];
  // Something must wait on an approval gate, or approving it would change nothing.
  if (index === approvalAt + 1) return [ids[approvalAt] as string];
  if (index < 3 && rng.chance(0.25)) return [];
  const recent = ids.slice(Math.max(0, index - 3), index);
  return rng.sample(recent, rng.int(1, Math.min(2, recent.length)));
}

export function drawApprovalPlan(rng: Random, hold: boolean): ApprovalPlan {
  if (hold) return { kind: "approval", resolution: "never", afterMs: 0 };
  if (rng.chance(0.8)) return { kind: "approval", resolution: "approve", afterMs: rng.int(MINUTE_MS, 3 * HOUR_MS) };
  return { kind: "approval", resolution: "cancel-workflow", afterMs: rng.int(5 * MINUTE_MS, 6 * HOUR_MS) };
}

export function drawBuildPlan(rng: Random, context: DrawContext, mustSucceed: boolean): BuildPlan {
  const outcome: BuildOutcome = mustSucceed ? "success" : rng.weighted(BUILD_OUTCOMES);
  const executorKind = rng.weighted<ExecutorKind>([
    [EXECUTORS[0], 80],
    [EXECUTORS[1], 15],
    [EXECUTORS[2], 5],
  ]);
  const executor: BuildPlan["executor"] = { resource_class: rng.pick(executorKind.resourceClasses) };
  if (rng.chance(0.85)) executor.type = executorKind.type;
  const usesContexts = context.contextNames.length > 0 && rng.chance(0.3);
  return {
    kind: "build",
    queueMs: rng.chance(0.1) ? rng.int(30 * SECOND_MS, 4 * MINUTE_MS) : rng.int(500, 20 * SECOND_MS),
    runMs: outcome === "timedout" ? rng.int(10 * MINUTE_MS, 15 * MINUTE_MS) : rng.int(10 * SECOND_MS, 6 * MINUTE_MS),
    outcome,
    parallelism: rng.weighted(PARALLELISM),
    executor,
    contexts: usesContexts ? rng.sample(context.contextNames, rng.int(1, 2)) : [],
    messages: rng.chance(0.05) ? [{ ...rng.pick(JOB_MESSAGES) }] : [],
    runSteps: rng.sample(RUN_STEPS, rng.int(1, 4)).map((step) => ({ ...step, hasOutput: rng.chance(0.9) })),
  };
}

function drawVcs(
  rng: Random,
  project: ProjectWire,
  triggerType: string,
  options: PipelineOptions,
): NonNullable<PipelineWire["vcs"]> | undefined {
  const pinned = options.branch !== undefined || options.tag !== undefined;
  if (!pinned && rng.chance(0.03)) return undefined;
  const repositoryUrl = project.vcs_info.vcs_url;
  const fromFork = rng.chance(0.05);
  const tag = options.tag ?? (options.branch === undefined && rng.chance(0.07) ? drawVersionTag(rng) : undefined);
  const defaultBranch = project.vcs_info.default_branch;
  const branch =
    tag !== undefined ? undefined : (options.branch ?? (rng.chance(0.5) ? defaultBranch : rng.pick(FEATURE_BRANCHES)));
  const vcs: NonNullable<PipelineWire["vcs"]> = {
    provider_name: project.vcs_info.provider === "Bitbucket" ? "Bitbucket" : "GitHub",
    origin_repository_url: fromFork ? repositoryUrl.replace(/\/[^/]+\/([^/]+)$/, "/a-contributor/$1") : repositoryUrl,
    target_repository_url: repositoryUrl,
    revision: rng.chance(0.08) ? null : rng.hex(40),
  };
  if (branch !== undefined) vcs.branch = branch;
  if (tag !== undefined) vcs.tag = tag;
  if (branch !== undefined && branch !== defaultBranch && rng.chance(0.4)) {
    vcs.review_id = String(rng.int(1, 900));
    vcs.review_url = `${repositoryUrl}/${project.vcs_info.provider === "Bitbucket" ? "pull-requests" : "pull"}/${vcs.review_id}`;
  }
  // API-triggered pipelines carry no commit (the docs' own sample has a `vcs` without one).
  if (triggerType !== "api") {
    vcs.commit = {
      subject: rng.chance(0.03) ? null : rng.pick(COMMIT_SUBJECTS),
      body: rng.chance(0.4) ? null : rng.pick(COMMIT_BODIES),
    };
  }
  return vcs;
}

function drawVersionTag(rng: Random): string {
  return `v${rng.int(1, 3)}.${rng.int(0, 20)}.${rng.int(0, 9)}`;
}

/** GitHub App (`circleci/...`) pipelines carry nested objects here; others only sometimes have flat values. */
function drawTriggerParameters(
  rng: Random,
  project: ProjectWire,
  vcs: PipelineWire["vcs"],
): Record<string, unknown> | undefined {
  if (project.vcs_info.provider === "CircleCI") {
    return {
      github_app: { repo_url: project.vcs_info.vcs_url, branch: vcs?.branch ?? "", commit_sha: vcs?.revision ?? "" },
      git: { branch: vcs?.branch ?? "", checkout_sha: vcs?.revision ?? "", tag: vcs?.tag ?? "" },
      circleci: { event_type: "push", trigger_type: "github_app" },
    };
  }
  return rng.chance(0.15) ? { run_e2e: rng.chance(0.5), deploy_env: "staging", retries: rng.int(0, 3) } : undefined;
}
