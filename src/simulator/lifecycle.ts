/**
 * Simulated time. Creating a pipeline draws its plans; every later change (a job queues, starts,
 * stops; an approval resolves; a workflow ends, is canceled, continues or is rerun) is a transition
 * on the schedule, applied in time order when the clock passes it. A transition updates the
 * workflow job entry at once; the job's v2 details and v1.1 build are rewritten once per public call
 * (see `#flush`), so nobody outside ever sees them disagree.
 */
import { hasNullProviderName, resolveDeviations } from "./deviations.js";
import type { DeviationSwitch } from "./deviations.js";
import { InvalidActionError, UnknownResourceError } from "./errors.js";
import type { PipelineWire, ProjectWire, WorkflowJobWire, WorkflowWire } from "./model.js";
import {
  drawApprovalPlan,
  drawBuildPlan,
  drawContinuations,
  drawPipeline,
  type DrawContext,
  type JobPlan,
  type JobRecipe,
  type PipelineDraft,
  type PipelineOptions,
  type WorkflowRecipe,
} from "./plans.js";
import type { Random } from "./random.js";
import { buildOf, jobDetailOf, workflowLinkOf } from "./records.js";
import { Schedule } from "./schedule.js";
import { jobKey, type SimState } from "./state.js";
import { deriveWorkflowStatus, isTerminalWorkflowStatus } from "./status.js";
import { isoMillis, isoSeconds, MINUTE_MS } from "./timestamps.js";

/** The next numbers a project hands out; pipeline and job numbers are per project. */
export interface ProjectNumbering {
  nextPipeline: number;
  nextJob: number;
}

interface WorkflowRun {
  readonly wire: WorkflowWire;
  readonly pipeline: PipelineWire;
  readonly project: ProjectWire;
  readonly recipe: WorkflowRecipe;
  readonly jobs: JobRun[];
}

interface JobRun {
  readonly workflow: WorkflowRun;
  /** The very object listed in `jobsByWorkflow`, so updating it updates what is served. */
  readonly entry: WorkflowJobWire;
  /** Null for a job carried over by a rerun: it already succeeded in an earlier workflow. */
  readonly plan: JobPlan | null;
  readonly dependants: JobRun[];
  /** Dependencies that have not succeeded yet. */
  waitingOn: number;
  /** A dependency ended without success; CircleCI leaves such jobs `blocked` for good. */
  stuck: boolean;
  readonly createdAt: number;
  /** Where the job last ran: its own workflow, until a rerun carries it over into a later one. */
  latestWorkflow: WorkflowWire;
  queuedAt?: number;
  startedAt?: number;
  stoppedAt?: number;
}

type JobSeed = { fresh: JobRecipe } | { carried: WorkflowJobWire };

/** What a rerun runs again: everything (the default), the jobs that did not succeed, or the named jobs. */
export interface RerunOptions {
  fromFailed?: boolean;
  /** Ids of jobs of the workflow; they and every job downstream of them run again. */
  jobs?: readonly string[];
}

/** A job by its number within its project, or by its id. */
export type JobTarget = { projectSlug: string; number: number } | { id: string };

const LIVE_JOB_STATUSES: ReadonlySet<string> = new Set(["blocked", "queued", "not_running", "running", "on_hold"]);
const FROM_FAILED_RERUN_SHARE = 0.7;

export class Lifecycle {
  readonly #state: SimState;
  readonly #rng: Random;
  readonly #deviations: DeviationSwitch;
  readonly #schedule = new Schedule();
  /** Workflows that are not terminal yet: the only ones transitions can touch. */
  readonly #live = new Map<string, WorkflowRun>();
  readonly #numbering = new Map<string, ProjectNumbering>();
  /** Jobs (by id) whose details and build are behind their entry until the next `#flush`. */
  readonly #moved = new Map<string, JobRun>();
  /** Chance that someone reruns a workflow a few minutes after it fails. */
  rerunChance = 0;

  constructor(state: SimState, rng: Random, deviations: DeviationSwitch = resolveDeviations(undefined)) {
    this.#state = state;
    this.#rng = rng;
    this.#deviations = deviations;
  }

  registerProject(slug: string, numbering: ProjectNumbering): void {
    this.#numbering.set(slug, { ...numbering });
  }

  /** Moves the clock forward by `ms`, applying every transition due in (now, now + ms]. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance needs a finite, non-negative duration, got ${ms}`);
    const until = this.#state.now + ms;
    this.#schedule.runUntil(until, (at) => {
      this.#state.now = at;
    });
    this.#state.now = until;
    this.#flush();
  }

  /** Creates a pipeline for `slug` when the clock reaches `at`. */
  schedulePipeline(at: number, slug: string, options: PipelineOptions = {}): void {
    this.#at(at, () => this.#createPipeline(slug, options));
  }

  /** New pipelines for `slug` keep arriving, `meanGapMs` apart on average (a Poisson process). */
  startActivity(slug: string, meanGapMs: number): void {
    const arrive = (): void => {
      this.#createPipeline(slug, {});
      this.#at(this.#state.now + this.#gap(meanGapMs), arrive);
    };
    this.#at(this.#state.now + this.#gap(meanGapMs), arrive);
  }

  createPipeline(slug: string, options: PipelineOptions = {}): PipelineWire {
    return this.#settled(() => this.#createPipeline(slug, options));
  }

  /**
   * A new workflow with the same name in the same pipeline. Jobs that succeeded and need not run again
   * are carried over under their own ids (and numbers); every other job runs again under a new id.
   */
  rerunWorkflow(workflowId: string, options: RerunOptions, startedBy: string): WorkflowWire {
    return this.#settled(() => this.#rerunWorkflow(workflowId, options, startedBy));
  }

  approve(workflowId: string, approvalRequestId: string, approverId: string): void {
    this.#settled(() => this.#approve(workflowId, approvalRequestId, approverId));
  }

  /** Live jobs stop and the workflow ends `canceled`; a workflow that already ended stays as it is. */
  cancelWorkflow(workflowId: string, canceledBy: string): void {
    this.#settled(() => {
      const run = this.#live.get(workflowId);
      if (run) this.#cancel(run, canceledBy);
      else if (!this.#state.workflows.has(workflowId)) throw new UnknownResourceError("workflow", workflowId);
    });
  }

  /**
   * The job stops `canceled` and what waits on it stays blocked; its workflow ends once nothing else
   * runs. A job that already ended stays as it is.
   */
  cancelJob(target: JobTarget, canceledBy: string): void {
    this.#settled(() => {
      const matches = (entry: WorkflowJobWire): boolean =>
        "id" in target ? entry.id === target.id : entry.project_slug === target.projectSlug && entry.job_number === target.number;
      const live = [...this.#live.values()].flatMap((run) => run.jobs).find((job) => matches(job.entry) && LIVE_JOB_STATUSES.has(job.entry.status));
      if (live) {
        this.#cancelJobRun(live, canceledBy);
        markStuck(live.dependants);
        this.#refresh(live.workflow);
        return;
      }
      const known = [...this.#state.jobsByWorkflow.values()].some((entries) => entries.some(matches));
      if (!known) throw new UnknownResourceError("job", "id" in target ? target.id : `${target.projectSlug}#${target.number}`);
    });
  }

  #createPipeline(slug: string, options: PipelineOptions): PipelineWire {
    const state = this.#state;
    const project = state.projects.get(slug);
    if (!project) throw new UnknownResourceError("project", slug);
    const rng = this.#rng;
    const draft = drawPipeline(rng, this.#drawContext(project), options);
    const createdAt = isoMillis(state.now);
    const pipeline: PipelineWire = {
      id: rng.uuid(),
      number: this.#numberingOf(slug).nextPipeline++,
      project_slug: slug,
      created_at: createdAt,
      ...(draft.hasUpdatedAt ? { updated_at: createdAt } : {}),
      state: "pending",
      errors: [],
      trigger: {
        type: draft.triggerType,
        received_at: isoMillis(state.now - rng.int(50, 900)),
        actor: { login: draft.actor.login, avatar_url: draft.actor.avatar_url },
      },
    };
    if (draft.triggerParameters) pipeline.trigger_parameters = draft.triggerParameters;
    if (draft.vcs) pipeline.vcs = hasNullProviderName(this.#deviations, pipeline.number) ? { ...draft.vcs, provider_name: null } : draft.vcs;
    state.pipelines.set(pipeline.id, pipeline);
    const newestFirst = state.pipelinesByProject.get(slug) ?? [];
    newestFirst.unshift(pipeline.id);
    state.pipelinesByProject.set(slug, newestFirst);
    state.workflowsByPipeline.set(pipeline.id, []);
    const setupMs = options.setupMs ?? 0;
    if (setupMs > 0) this.#at(state.now + setupMs, () => this.#compile(pipeline, project, draft));
    else this.#compile(pipeline, project, draft);
    return pipeline;
  }

  /** The pipeline's config is compiled: it turns `errored`, or `created` and its workflows start. */
  #compile(pipeline: PipelineWire, project: ProjectWire, draft: PipelineDraft): void {
    pipeline.state = draft.errors.length > 0 ? "errored" : "created";
    pipeline.errors = draft.errors;
    if (pipeline.updated_at !== undefined) pipeline.updated_at = isoMillis(this.#state.now);
    for (const recipe of draft.workflows) {
      this.#startWorkflow(pipeline, project, recipe, draft.actor.id, recipe.jobs.map((fresh) => ({ fresh })));
    }
  }

  #rerunWorkflow(workflowId: string, options: RerunOptions, startedBy: string): WorkflowWire {
    const state = this.#state;
    const original = state.workflows.get(workflowId);
    if (!original) throw new UnknownResourceError("workflow", workflowId);
    if (this.#live.has(workflowId)) {
      throw new InvalidActionError("workflow-not-finished", `Workflow ${workflowId} is ${original.status}; only finished workflows can be rerun`);
    }
    const pipeline = state.pipelines.get(original.pipeline_id) as PipelineWire;
    const project = state.projects.get(original.project_slug) as ProjectWire;
    const context = this.#drawContext(project);
    const entries = state.jobsByWorkflow.get(workflowId) ?? [];
    const carried = carriedOver(workflowId, entries, options);
    const keeps = (entry: WorkflowJobWire): boolean => carried.has(entry.id);
    const renamed = new Map(entries.map((entry) => [entry.id, keeps(entry) ? entry.id : this.#rng.uuid()]));
    const seeds = entries.map((entry): JobSeed => {
      if (keeps(entry)) return { carried: entry };
      const plan = entry.type === "approval" ? drawApprovalPlan(this.#rng, false) : drawBuildPlan(this.#rng, context, false);
      const dependencies = entry.dependencies.map((id) => renamed.get(id) ?? id);
      return { fresh: { id: renamed.get(entry.id) as string, name: entry.name, dependencies, plan } };
    });
    const setup = original.tag === "setup";
    const recipe: WorkflowRecipe = { name: original.name, setup, jobs: [], continuations: setup ? 1 : 0 };
    return this.#startWorkflow(pipeline, project, recipe, startedBy, seeds);
  }

  #approve(workflowId: string, approvalRequestId: string, approverId: string): void {
    const run = this.#live.get(workflowId);
    if (!run) {
      const workflow = this.#state.workflows.get(workflowId);
      if (!workflow) throw new UnknownResourceError("workflow", workflowId);
      throw new InvalidActionError("workflow-not-live", `Workflow ${workflowId} is ${workflow.status}; nothing is waiting for approval`);
    }
    const job = run.jobs.find((candidate) => candidate.entry.approval_request_id === approvalRequestId);
    if (!job) throw new UnknownResourceError("approval request", approvalRequestId);
    if (job.entry.status !== "on_hold") {
      throw new InvalidActionError("approval-not-on-hold", `Approval ${approvalRequestId} is ${job.entry.status}, not on_hold`);
    }
    this.#resolveApproval(job, approverId);
  }

  #startWorkflow(
    pipeline: PipelineWire,
    project: ProjectWire,
    recipe: WorkflowRecipe,
    startedBy: string,
    seeds: readonly JobSeed[],
  ): WorkflowWire {
    const state = this.#state;
    const wire: WorkflowWire = {
      id: this.#rng.uuid(),
      name: recipe.name,
      pipeline_id: pipeline.id,
      pipeline_number: pipeline.number,
      project_slug: project.slug,
      status: "running",
      started_by: startedBy,
      created_at: isoSeconds(state.now),
      stopped_at: null,
    };
    if (recipe.setup) wire.tag = "setup";
    const run: WorkflowRun = { wire, pipeline, project, recipe, jobs: [] };
    for (const seed of seeds) run.jobs.push(this.#jobRunOf(run, seed));
    linkDependencies(run.jobs);
    state.workflows.set(wire.id, wire);
    state.workflowsByPipeline.get(pipeline.id)?.push(wire.id);
    state.jobsByWorkflow.set(
      wire.id,
      run.jobs.map((job) => job.entry),
    );
    if (pipeline.updated_at !== undefined) pipeline.updated_at = isoMillis(state.now);
    for (const job of run.jobs) if (job.plan === null) this.#relink(job);

    if (recipe.ending) {
      for (const job of run.jobs) job.entry.status = "not_run";
      wire.status = recipe.ending;
      wire.stopped_at = wire.created_at;
      if (recipe.ending === "error") wire.errored_by = startedBy;
      return wire;
    }
    this.#live.set(wire.id, run);
    if (recipe.cancelAfterMs !== undefined) {
      this.#at(state.now + recipe.cancelAfterMs, () => this.#cancel(run, startedBy));
    }
    for (const job of run.jobs) if (job.entry.status === "blocked" && job.waitingOn === 0) this.#release(job);
    this.#refresh(run);
    return wire;
  }

  #jobRunOf(workflow: WorkflowRun, seed: JobSeed): JobRun {
    const common = {
      workflow,
      latestWorkflow: workflow.wire,
      dependants: [],
      waitingOn: 0,
      stuck: false,
      createdAt: this.#state.now,
    };
    if ("carried" in seed) {
      return { ...common, entry: { ...seed.carried, dependencies: [...seed.carried.dependencies] }, plan: null };
    }
    const { id, name, dependencies, plan } = seed.fresh;
    const entry: WorkflowJobWire = {
      id,
      name,
      type: plan.kind,
      status: "blocked",
      project_slug: workflow.project.slug,
      dependencies: [...dependencies],
    };
    // Observed upstream: an approval's request id is the job's own id.
    if (plan.kind === "approval") entry.approval_request_id = id;
    return { ...common, entry, plan };
  }

  /** Dependencies are met: a build is queued, an approval goes on hold. Both get their number now. */
  #release(job: JobRun): void {
    const { entry, plan } = job;
    if (plan === null) return;
    const now = this.#state.now;
    entry.job_number = this.#numberingOf(entry.project_slug).nextJob++;
    job.queuedAt = now;
    if (plan.kind === "approval") {
      entry.status = "on_hold";
      if (this.#deviations.startedApprovals) entry.started_at = isoSeconds(now);
      const decider = job.workflow.wire.started_by;
      if (plan.resolution === "approve") this.#at(now + plan.afterMs, () => this.#resolveApproval(job, decider));
      if (plan.resolution === "cancel-workflow") this.#at(now + plan.afterMs, () => this.#cancel(job.workflow, decider));
      return;
    }
    entry.status = "queued";
    this.#moved.set(entry.id, job);
    this.#at(now + plan.queueMs, () => this.#start(job));
  }

  #start(job: JobRun): void {
    if (job.entry.status !== "queued" || job.plan?.kind !== "build") return;
    const now = this.#state.now;
    const runMs = job.plan.runMs;
    job.startedAt = now;
    job.entry.status = "running";
    job.entry.started_at = isoSeconds(now);
    this.#moved.set(job.entry.id, job);
    this.#at(now + runMs, () => this.#finish(job));
  }

  #finish(job: JobRun): void {
    if (job.entry.status !== "running" || job.plan?.kind !== "build") return;
    this.#stop(job, job.plan.outcome);
  }

  #resolveApproval(job: JobRun, approverId: string): void {
    if (job.entry.status !== "on_hold") return;
    job.entry.approved_by = approverId;
    this.#stop(job, "success");
  }

  #stop(job: JobRun, status: string): void {
    const now = this.#state.now;
    job.stoppedAt = now;
    job.entry.status = status;
    job.entry.stopped_at = isoSeconds(now);
    this.#moved.set(job.entry.id, job);
    if (status === "success") {
      for (const dependant of job.dependants) {
        dependant.waitingOn -= 1;
        if (dependant.waitingOn === 0 && dependant.entry.status === "blocked" && !dependant.stuck) this.#release(dependant);
      }
    } else {
      markStuck(job.dependants);
    }
    this.#refresh(job.workflow);
  }

  #cancel(run: WorkflowRun, canceledBy: string): void {
    if (!this.#live.has(run.wire.id)) return;
    for (const job of run.jobs) if (LIVE_JOB_STATUSES.has(job.entry.status)) this.#cancelJobRun(job, canceledBy);
    run.wire.status = "canceled";
    run.wire.canceled_by = canceledBy;
    this.#end(run);
  }

  #cancelJobRun(job: JobRun, canceledBy: string): void {
    const { entry } = job;
    entry.status = "canceled";
    entry.canceled_by = canceledBy;
    // A job that never got a number never ran: CircleCI gives it no timestamps either.
    if (entry.job_number !== undefined) {
      job.stoppedAt = this.#state.now;
      entry.stopped_at = isoSeconds(this.#state.now);
    }
    this.#moved.set(entry.id, job);
  }

  #refresh(run: WorkflowRun): void {
    if (!this.#live.has(run.wire.id)) return;
    run.wire.status = deriveWorkflowStatus(run.jobs.map((job) => ({ status: job.entry.status, stuck: job.stuck })));
    if (!isTerminalWorkflowStatus(run.wire.status)) return;
    // Only a canceled job ends a workflow `canceled` this way: whoever canceled it canceled the workflow.
    const canceler = run.wire.status === "canceled" ? run.jobs.find((job) => job.entry.canceled_by !== undefined)?.entry.canceled_by : undefined;
    if (canceler !== undefined) run.wire.canceled_by = canceler;
    this.#end(run);
  }

  #end(run: WorkflowRun): void {
    const { wire } = run;
    const now = this.#state.now;
    wire.stopped_at = isoSeconds(now);
    this.#live.delete(wire.id);
    if (run.recipe.setup && wire.status === "success") {
      for (const recipe of drawContinuations(this.#rng, this.#drawContext(run.project), run.recipe.continuations)) {
        this.#startWorkflow(run.pipeline, run.project, recipe, wire.started_by, recipe.jobs.map((fresh) => ({ fresh })));
      }
    }
    if (wire.status === "failed" && this.#rng.chance(this.rerunChance)) {
      this.#at(now + this.#rng.int(MINUTE_MS, 20 * MINUTE_MS), () => {
        this.#rerunWorkflow(wire.id, { fromFailed: this.#rng.chance(FROM_FAILED_RERUN_SHARE) }, wire.started_by);
      });
    }
  }

  #settled<T>(action: () => T): T {
    const result = action();
    this.#flush();
    return result;
  }

  /**
   * Rewrites details and builds of the jobs that moved. Deferred to here because in one long
   * `advance` (a world's whole history) a job moves several times, and only its last state can be
   * seen: rebuilding its records at each move was most of the cost of creating a large world.
   */
  #flush(): void {
    for (const job of this.#moved.values()) this.#mirror(job);
    this.#moved.clear();
  }

  /** Writes the job's v2 details and v1.1 build; only numbered build jobs have them. */
  #mirror(job: JobRun): void {
    const { entry, plan, workflow } = job;
    if (plan?.kind !== "build" || entry.job_number === undefined || job.queuedAt === undefined) return;
    const facts = {
      project: workflow.project,
      pipeline: workflow.pipeline,
      workflow: workflow.wire,
      latestWorkflow: job.latestWorkflow,
      job: entry,
      number: entry.job_number,
      plan,
      createdAt: job.createdAt,
      queuedAt: job.queuedAt,
      startedAt: job.startedAt,
      stoppedAt: job.stoppedAt,
      deviations: this.#deviations,
    };
    const key = jobKey(workflow.project.slug, entry.job_number);
    this.#state.jobDetails.set(key, jobDetailOf(facts));
    this.#state.builds.set(key, buildOf(facts));
  }

  /** A carried-over job now last ran in the rerun workflow (`latest_workflow`). */
  #relink(job: JobRun): void {
    const { entry, workflow } = job;
    if (entry.job_number === undefined) return;
    // Records not written yet are written at the next flush, from the run that moved the job.
    const unwritten = this.#moved.get(entry.id);
    if (unwritten) {
      unwritten.latestWorkflow = workflow.wire;
      return;
    }
    const key = jobKey(workflow.project.slug, entry.job_number);
    const detail = this.#state.jobDetails.get(key);
    if (detail) detail.latest_workflow = { id: workflow.wire.id, name: workflow.wire.name };
    const build = this.#state.builds.get(key);
    if (build) build.workflows = workflowLinkOf(workflow.wire, entry, workflow.pipeline);
  }

  /** Schedules a transition, never in the past: the clock only moves forward. */
  #at(at: number, run: () => void): void {
    this.#schedule.add(Math.max(at, this.#state.now), run);
  }

  #gap(meanMs: number): number {
    return Math.max(1, Math.round(this.#rng.exponential(meanMs)));
  }

  #numberingOf(slug: string): ProjectNumbering {
    let numbering = this.#numbering.get(slug);
    if (!numbering) {
      numbering = { nextPipeline: 1, nextJob: 1 };
      this.#numbering.set(slug, numbering);
    }
    return numbering;
  }

  #drawContext(project: ProjectWire): DrawContext {
    return {
      project,
      users: [...this.#state.users.values()],
      contextNames: (this.#state.contexts.get(project.organization_id) ?? []).map((context) => context.name),
    };
  }
}

function linkDependencies(jobs: readonly JobRun[]): void {
  const byId = new Map(jobs.map((job) => [job.entry.id, job]));
  for (const job of jobs) {
    for (const dependencyId of job.entry.dependencies) {
      const dependency = byId.get(dependencyId);
      if (!dependency) continue;
      dependency.dependants.push(job);
      if (dependency.entry.status !== "success") job.waitingOn += 1;
    }
  }
}

/**
 * The jobs a rerun carries over rather than runs again: those that succeeded, unless the rerun names
 * jobs, which then run again with everything downstream of them. A job that did not succeed can never
 * be carried over: it runs again in any rerun.
 */
function carriedOver(workflowId: string, entries: readonly WorkflowJobWire[], options: RerunOptions): ReadonlySet<string> {
  const succeeded = entries.filter((entry) => entry.status === "success");
  if (options.jobs !== undefined) {
    const again = downstreamOf(workflowId, entries, options.jobs);
    return new Set(succeeded.filter((entry) => !again.has(entry.id)).map((entry) => entry.id));
  }
  return new Set(options.fromFailed ? succeeded.map((entry) => entry.id) : []);
}

/** The named jobs and every job that depends on them, directly or not. */
function downstreamOf(workflowId: string, entries: readonly WorkflowJobWire[], ids: readonly string[]): Set<string> {
  const known = new Set(entries.map((entry) => entry.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new InvalidActionError("job-not-in-workflow", `Workflow ${workflowId} has no job ${unknown.join(", ")}`);
  const reached = new Set(ids);
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of entries) {
      if (reached.has(entry.id) || !entry.dependencies.some((id) => reached.has(id))) continue;
      reached.add(entry.id);
      grew = true;
    }
  }
  return reached;
}

function markStuck(jobs: readonly JobRun[]): void {
  for (const job of jobs) {
    if (job.stuck || job.entry.status !== "blocked") continue;
    job.stuck = true;
    markStuck(job.dependants);
  }
}
