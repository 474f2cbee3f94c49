/**
 * The simulated CircleCI: a seeded world (generator) that lives on in simulated time (lifecycle).
 * The HTTP server reads `world.state` and calls the actions below; nothing else mutates the state.
 */
import { resolveDeviations } from "./deviations.js";
import type { Deviations, DeviationSwitch } from "./deviations.js";
import { UnknownResourceError } from "./errors.js";
import { scheduleHistory, seedCatalog } from "./generator.js";
import { Lifecycle } from "./lifecycle.js";
import type { JobTarget, RerunOptions } from "./lifecycle.js";
import type { PipelineWire, UserWire, WorkflowWire } from "./model.js";
import type { PipelineOptions } from "./plans.js";
import { Random } from "./random.js";
import { emptyState, type SimState } from "./state.js";
import { DAY_MS } from "./timestamps.js";

export { InvalidActionError, SimulatorError, UnknownResourceError } from "./errors.js";
export type { RefusalReason } from "./errors.js";
export type { JobTarget, RerunOptions } from "./lifecycle.js";
export type { PipelineOptions } from "./plans.js";
export type { DeviationName, Deviations, DeviationSwitch } from "./deviations.js";

export interface WorldOptions {
  /** Default 1. The same seed and options give a byte-identical state. */
  seed?: number;
  /** Simulated clock start, epoch ms. Default `Date.now()`. */
  now?: number;
  /** Default 3. Slugs cycle through `gh/...`, `bb/...`, `circleci/<org id>/<project id>`. */
  projects?: number;
  /** Default 30, spread over `historyDays` before `now`, denser towards `now`. */
  pipelinesPerProject?: number;
  /** Default 14. */
  historyDays?: number;
  /** Default 3, each with 1-6 environment variable names. */
  contextsPerOrg?: number;
  /** What `advance` creates by itself. */
  activity?: {
    /** Mean gap between new pipelines, per project. Default null: none. */
    pipelineEveryMs?: number | null;
    /** Chance that a workflow which ends `failed` is rerun a few minutes later. Default 0. */
    rerunChance?: number;
  };
  /** Shapes the real API sends that its documents do not describe (see deviations.ts), or `"all"`. Default: none. */
  deviations?: Deviations | "all";
}

export interface World {
  readonly state: SimState;
  /** Move the clock forward and apply every lifecycle transition due in (old now, new now]. */
  advance(ms: number): void;
  /**
   * A new pipeline at the current clock: state created, 1-3 workflows, jobs blocked/queued; or, with
   * `setupMs`, state pending with no workflows until that much simulated time has passed.
   */
  triggerPipeline(projectSlug: string, options?: PipelineOptions): PipelineWire;
  /**
   * Rerun: adds a NEW workflow (same name) to the workflow's pipeline. fromFailed carries successful jobs
   * over (same job ids); `jobs` runs the named jobs and everything downstream of them, carrying the other
   * successful jobs over. The workflow must have ended.
   */
  rerunWorkflow(workflowId: string, options?: RerunOptions, startedBy?: string): WorkflowWire;
  /** Resolve an on_hold approval job; its dependants then proceed. */
  approve(workflowId: string, approvalRequestId: string, approverId?: string): void;
  /** Stop a live workflow: its live jobs end canceled, and so does it. A finished workflow is left as it is. */
  cancelWorkflow(workflowId: string, canceledBy?: string): void;
  /** Stop one live job (by project and number, or by id); a finished job is left as it is. */
  cancelJob(target: JobTarget, canceledBy?: string): void;
  /** Resolve every approval on hold (those that wait forever included); returns how many. */
  approveAllOnHold(): number;
  /**
   * Every draw from here on comes from `seed` alone. Two worlds whose histories differ, once nothing is
   * live in either, then live the same future: the same new pipelines with the same workflows and jobs.
   */
  reseed(seed: number): void;
  /** Make a project invisible to the token (404) or visible again; data is kept. */
  setProjectHidden(slug: string, hidden: boolean): void;
  /** Resolve any accepted slug spelling to the canonical stored slug, or undefined. Hidden projects resolve too. */
  canonicalSlug(slug: string): string | undefined;
  /** The user the default token belongs to (for GET /me and /me/collaborations). */
  readonly me: UserWire;
  /** Which deviations from the documents this world's records and answers carry. */
  readonly deviations: DeviationSwitch;
}

/** Share of failed workflows rerun in generated history, so reruns are always in the data. */
const HISTORY_RERUN_CHANCE = 0.35;
const LONG_VCS_NAMES = new Map([
  ["github", "gh"],
  ["bitbucket", "bb"],
]);

export function createWorld(options: WorldOptions = {}): World {
  const settings = resolveOptions(options);
  const rng = new Random(settings.seed);
  const state = emptyState(settings.now - settings.historyDays * DAY_MS);
  const deviations = resolveDeviations(options.deviations);
  const lifecycle = new Lifecycle(state, rng, deviations);
  const me = seedCatalog(state, lifecycle, rng, settings);
  const slugs = [...state.projects.keys()];
  scheduleHistory(lifecycle, rng, slugs, { ...settings, until: settings.now });
  lifecycle.rerunChance = HISTORY_RERUN_CHANCE;
  lifecycle.advance(settings.now - state.now);
  lifecycle.rerunChance = settings.rerunChance;
  if (settings.pipelineEveryMs !== null) for (const slug of slugs) lifecycle.startActivity(slug, settings.pipelineEveryMs);
  return new SimulatedWorld(state, lifecycle, rng, me, deviations);
}

interface Settings {
  seed: number;
  now: number;
  projects: number;
  pipelinesPerProject: number;
  historyDays: number;
  contextsPerOrg: number;
  pipelineEveryMs: number | null;
  rerunChance: number;
}

/** Applies the documented defaults, and refuses values that would make no world at all. */
function resolveOptions(options: WorldOptions): Settings {
  const settings: Settings = {
    seed: options.seed ?? 1,
    now: options.now ?? Date.now(),
    projects: options.projects ?? 3,
    pipelinesPerProject: options.pipelinesPerProject ?? 30,
    historyDays: options.historyDays ?? 14,
    contextsPerOrg: options.contextsPerOrg ?? 3,
    pipelineEveryMs: options.activity?.pipelineEveryMs ?? null,
    rerunChance: options.activity?.rerunChance ?? 0,
  };
  const problems = [
    Number.isInteger(settings.seed) ? "" : "seed must be an integer",
    Number.isFinite(settings.now) ? "" : "now must be epoch milliseconds",
    Number.isInteger(settings.projects) && settings.projects >= 1 ? "" : "projects must be an integer >= 1",
    Number.isInteger(settings.pipelinesPerProject) && settings.pipelinesPerProject >= 0 ? "" : "pipelinesPerProject must be an integer >= 0",
    settings.historyDays > 0 ? "" : "historyDays must be > 0",
    Number.isInteger(settings.contextsPerOrg) && settings.contextsPerOrg >= 0 ? "" : "contextsPerOrg must be an integer >= 0",
    settings.pipelineEveryMs === null || settings.pipelineEveryMs > 0 ? "" : "activity.pipelineEveryMs must be > 0 or null",
    settings.rerunChance >= 0 && settings.rerunChance <= 1 ? "" : "activity.rerunChance must be within [0, 1]",
  ].filter((problem) => problem !== "");
  if (problems.length > 0) throw new RangeError(`Invalid world options: ${problems.join("; ")}`);
  return settings;
}

class SimulatedWorld implements World {
  readonly state: SimState;
  readonly me: UserWire;
  readonly deviations: DeviationSwitch;
  readonly #lifecycle: Lifecycle;

  readonly #rng: Random;

  constructor(state: SimState, lifecycle: Lifecycle, rng: Random, me: UserWire, deviations: DeviationSwitch) {
    this.state = state;
    this.me = me;
    this.deviations = deviations;
    this.#lifecycle = lifecycle;
    this.#rng = rng;
  }

  advance(ms: number): void {
    this.#lifecycle.advance(ms);
  }

  triggerPipeline(projectSlug: string, options: PipelineOptions = {}): PipelineWire {
    return this.#lifecycle.createPipeline(this.#requireSlug(projectSlug), options);
  }

  rerunWorkflow(workflowId: string, options: RerunOptions = {}, startedBy: string = this.me.id): WorkflowWire {
    return this.#lifecycle.rerunWorkflow(workflowId, options, startedBy);
  }

  approve(workflowId: string, approvalRequestId: string, approverId: string = this.me.id): void {
    this.#lifecycle.approve(workflowId, approvalRequestId, approverId);
  }

  cancelWorkflow(workflowId: string, canceledBy: string = this.me.id): void {
    this.#lifecycle.cancelWorkflow(workflowId, canceledBy);
  }

  cancelJob(target: JobTarget, canceledBy: string = this.me.id): void {
    const canonical = "id" in target ? target : { ...target, projectSlug: this.#requireSlug(target.projectSlug) };
    this.#lifecycle.cancelJob(canonical, canceledBy);
  }

  approveAllOnHold(): number {
    // Listed first: an approval moves its workflow on, which may add workflows (continuations) to the state.
    const onHold = [...this.state.jobsByWorkflow].flatMap(([workflowId, jobs]) =>
      jobs.flatMap((job) => (job.status === "on_hold" && job.approval_request_id !== undefined ? [{ workflowId, approvalId: job.approval_request_id }] : [])),
    );
    for (const { workflowId, approvalId } of onHold) this.approve(workflowId, approvalId);
    return onHold.length;
  }

  reseed(seed: number): void {
    if (!Number.isInteger(seed)) throw new RangeError(`reseed needs an integer seed, got ${seed}`);
    this.#rng.reseed(seed);
  }

  setProjectHidden(slug: string, hidden: boolean): void {
    const canonical = this.#requireSlug(slug);
    if (hidden) this.state.hiddenProjects.add(canonical);
    else this.state.hiddenProjects.delete(canonical);
  }

  /**
   * The simulator's own reading of API.md §1 "Project slugs", deliberately not shared with the
   * gateway's parser: the simulator is the second opinion. Exact match otherwise (no trimming,
   * no case folding), as CircleCI's router would be.
   */
  canonicalSlug(slug: string): string | undefined {
    const [vcs, ...rest] = slug.split("/");
    if (vcs === undefined || rest.length !== 2) return undefined;
    const canonical = [LONG_VCS_NAMES.get(vcs) ?? vcs, ...rest].join("/");
    return this.state.projects.has(canonical) ? canonical : undefined;
  }

  #requireSlug(slug: string): string {
    const canonical = this.canonicalSlug(slug);
    if (canonical === undefined) throw new UnknownResourceError("project", slug);
    return canonical;
  }
}
