/**
 * The two per-job records CircleCI serves besides the workflow job entry: v2 job details and the
 * v1.1 build with its steps. The lifecycle always rewrites both from the same facts (the job's entry,
 * plan and instants), so they cannot disagree with each other or with the workflow job.
 */
import type {
  JobDetailWire,
  PipelineWire,
  ProjectWire,
  V1ActionWire,
  V1BuildWire,
  V1StepWire,
  WorkflowJobWire,
  WorkflowWire,
} from "./model.js";
import { isBareBuild } from "./deviations.js";
import type { DeviationSwitch } from "./deviations.js";
import type { BuildPlan } from "./plans.js";
import { v1StatusOf } from "./status.js";
import { isoMillis } from "./timestamps.js";

export interface JobFacts {
  project: ProjectWire;
  pipeline: PipelineWire;
  /** The workflow the job ran in (its `web_url`). */
  workflow: WorkflowWire;
  /** The latest workflow it appears in: a later one when a rerun carried it over. */
  latestWorkflow: WorkflowWire;
  job: WorkflowJobWire;
  number: number;
  plan: BuildPlan;
  createdAt: number;
  queuedAt: number;
  startedAt?: number;
  stoppedAt?: number;
  deviations: DeviationSwitch;
}

type StepFacts = Pick<JobFacts, "plan" | "startedAt" | "stoppedAt"> & { status: string; nullActionFields: boolean };

interface StepOutline {
  name: string;
  command: string | null;
  type: string;
  hasOutput: boolean;
  /** Share of the planned run time this step takes. */
  share: number;
}

const SPIN_UP_SHARE = 0.1;
const CHECKOUT_SHARE = 0.05;
const FIRST_RUN_STEP_ID = 101;
/** Steps that end this way leave `end_time`/`run_time_millis` null, as broken steps do upstream. */
const UNFINISHED_STEP_STATUSES: ReadonlySet<string> = new Set(["canceled", "timedout", "infrastructure_fail"]);

export function jobDetailOf(facts: JobFacts): JobDetailWire {
  const { project, plan, job } = facts;
  return {
    number: facts.number,
    name: job.name,
    status: job.status,
    web_url: `https://app.circleci.com/pipelines/${appPath(project)}/${facts.pipeline.number}/workflows/${facts.workflow.id}/jobs/${facts.number}`,
    project: { id: project.id, slug: project.slug, name: project.name, external_url: project.vcs_info.vcs_url },
    organization: { name: project.organization_name },
    pipeline: { id: facts.pipeline.id },
    latest_workflow: { id: facts.latestWorkflow.id, name: facts.latestWorkflow.name },
    executor: { ...plan.executor },
    parallelism: plan.parallelism,
    parallel_runs: Array.from({ length: plan.parallelism }, (_, index) => ({ index, status: job.status })),
    created_at: isoMillis(facts.createdAt),
    queued_at: isoMillis(facts.queuedAt),
    started_at: optionalIso(facts.startedAt),
    stopped_at: optionalIso(facts.stoppedAt),
    duration: facts.startedAt !== undefined && facts.stoppedAt !== undefined ? facts.stoppedAt - facts.startedAt : null,
    messages: plan.messages.map((message) => ({ ...message })),
    contexts: plan.contexts.map((name) => ({ name })),
  };
}

export function buildOf(facts: JobFacts): V1BuildWire {
  const { pipeline, job } = facts;
  const v1 = v1StatusOf(job.status);
  const ran = facts.startedAt !== undefined && facts.stoppedAt !== undefined;
  const snapshot: StepFacts = {
    plan: facts.plan,
    startedAt: facts.startedAt,
    stoppedAt: facts.stoppedAt,
    status: job.status,
    nullActionFields: facts.deviations.nullActionFields,
  };
  let steps: V1StepWire[] | undefined;
  const build: V1BuildWire = {
    build_num: facts.number,
    build_url: `https://circleci.com/${facts.project.slug}/${facts.number}`,
    vcs_url: facts.project.vcs_info.vcs_url,
    vcs_revision: pipeline.vcs?.revision ?? null,
    branch: pipeline.vcs?.branch ?? null,
    subject: pipeline.vcs?.commit?.subject ?? null,
    body: pipeline.vcs?.commit?.body ?? null,
    queued_at: isoMillis(facts.queuedAt),
    start_time: optionalIso(facts.startedAt),
    stop_time: optionalIso(facts.stoppedAt),
    build_time_millis: ran ? (facts.stoppedAt as number) - (facts.startedAt as number) : null,
    lifecycle: v1.lifecycle,
    outcome: v1.outcome,
    status: v1.status,
    parallel: facts.plan.parallelism,
    why: whyOf(pipeline),
    workflows: workflowLinkOf(facts.latestWorkflow, job, pipeline),
    // Steps are most of a build's weight (an action per step and container) and rarely read, so
    // a big history would spend its time and memory building them. They are worked out on first
    // read instead; a transition replaces the whole build, so the snapshot never goes stale.
    get steps(): V1StepWire[] {
      steps ??= stepsOf(snapshot);
      return steps;
    },
  };
  if (!isBareBuild(facts.deviations, facts.number)) return build;
  const { build_num: _number, steps: _steps, ...bare } = Object.getOwnPropertyDescriptors(build);
  return Object.defineProperties({}, bare) as V1BuildWire;
}

export function workflowLinkOf(workflow: WorkflowWire, job: WorkflowJobWire, pipeline: PipelineWire): V1BuildWire["workflows"] {
  return {
    job_name: job.name,
    job_id: job.id,
    workflow_id: workflow.id,
    workflow_name: workflow.name,
    pipeline_id: pipeline.id,
  };
}

function optionalIso(epochMs: number | undefined): string | null {
  return epochMs === undefined ? null : isoMillis(epochMs);
}

/** The app's URL path spells the VCS out (`github/...`), unlike the API slug (`gh/...`). */
function appPath(project: ProjectWire): string {
  return project.slug.replace(/^gh\//, "github/").replace(/^bb\//, "bitbucket/");
}

function whyOf(pipeline: PipelineWire): string {
  if (pipeline.trigger.type === "webhook") return (pipeline.vcs?.provider_name ?? "github").toLowerCase();
  return pipeline.trigger.type === "api" ? "api" : "trigger";
}

function outlineOf(plan: BuildPlan): StepOutline[] {
  const runShare = (1 - SPIN_UP_SHARE - CHECKOUT_SHARE) / plan.runSteps.length;
  return [
    { name: "Spin up environment", command: null, type: "infrastructure", hasOutput: true, share: SPIN_UP_SHARE },
    { name: "Checkout code", command: null, type: "test", hasOutput: true, share: CHECKOUT_SHARE },
    ...plan.runSteps.map((step) => ({
      name: step.name,
      command: step.command,
      type: "test",
      hasOutput: step.hasOutput,
      share: runShare,
    })),
  ];
}

/**
 * Steps appear as they start. A running job shows what has started by the time it was last
 * touched (its start: "Spin up environment"); a stopped job shows every step that began before it
 * stopped, the last one carrying the job's final status when that is not a success.
 */
function stepsOf(facts: StepFacts): V1StepWire[] {
  const { startedAt, stoppedAt, plan } = facts;
  if (startedAt === undefined) return [];
  const outline = outlineOf(plan);
  const steps: V1StepWire[] = [];
  let offset = 0;
  for (const [position, step] of outline.entries()) {
    const stepStart = startedAt + Math.round(offset * plan.runMs);
    offset += step.share;
    const plannedEnd = startedAt + Math.round(offset * plan.runMs);
    if (stoppedAt === undefined) {
      steps.push(stepOf(step, position, plan.parallelism, stepStart, null, "running"));
      break;
    }
    if (stepStart >= stoppedAt && position > 0) break;
    const last = position === outline.length - 1 || plannedEnd >= stoppedAt;
    const status = last ? v1StatusOf(facts.status).status : "success";
    const end = UNFINISHED_STEP_STATUSES.has(status) ? null : Math.min(plannedEnd, stoppedAt);
    steps.push(stepOf(step, position, plan.parallelism, stepStart, end, status));
    if (last) break;
  }
  return facts.nullActionFields ? steps.map(withNullBuiltInFields) : steps;
}

/** The `nullActionFields` deviation: a built-in step's actions with null where the write-up shows values. */
function withNullBuiltInFields(step: V1StepWire): V1StepWire {
  if (step.actions.some((action) => action.bash_command !== null)) return step;
  return {
    ...step,
    actions: step.actions.map((action) => ({ ...action, step: null, type: null, background: null, parallel: null, has_output: null })),
  };
}

function stepOf(
  outline: StepOutline,
  position: number,
  parallelism: number,
  start: number,
  end: number | null,
  status: string,
): V1StepWire {
  const stepId = position === 0 ? 0 : FIRST_RUN_STEP_ID + position - 1;
  const actions = Array.from({ length: parallelism }, (_, index): V1ActionWire => ({
    name: outline.name,
    step: stepId,
    index,
    type: outline.type,
    status,
    bash_command: outline.command,
    exit_code: exitCodeOf(outline, status),
    start_time: isoMillis(start),
    end_time: end === null ? null : isoMillis(end),
    run_time_millis: end === null ? null : end - start,
    background: false,
    parallel: parallelism > 1,
    has_output: outline.hasOutput,
    failed: status === "success" || status === "running" ? null : true,
  }));
  return { name: outline.name, actions };
}

function exitCodeOf(outline: StepOutline, status: string): number | null {
  if (outline.command === null) return null;
  if (status === "success") return 0;
  return status === "failed" ? 1 : null;
}
