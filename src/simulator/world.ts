/**
 * The simulated CircleCI: a seeded world (generator) that lives on in simulated time (lifecycle).
 * The HTTP server reads `world.state` and calls the actions below; nothing else mutates the state.
 */
import { UnknownResourceError } from "./errors.js";
import { scheduleHistory, seedCatalog } from "./generator.js";
import { Lifecycle } from "./lifecycle.js";
import type { PipelineWire, UserWire, WorkflowWire } from "./model.js";
import type { PipelineOptions } from "./plans.js";
import { Random } from "./random.js";
import { emptyState, type SimState } from "./state.js";
import { DAY_MS } from "./timestamps.js";

export { InvalidActionError, SimulatorError, UnknownResourceError } from "./errors.js";
export type { PipelineOptions } from "./plans.js";

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
}

export interface World {
  readonly state: SimState;
  /** Move the clock forward and apply every lifecycle transition due in (old now, new now]. */
  advance(ms: number): void;
  /** A new pipeline (state created, 1-3 workflows, jobs blocked/queued) at the current clock. */
  triggerPipeline(projectSlug: string, options?: PipelineOptions): PipelineWire;
  /** Rerun: adds a NEW workflow (same name) to the workflow's pipeline; fromFailed carries successful jobs over (same job ids). */
  rerunWorkflow(workflowId: string, options?: { fromFailed?: boolean }): WorkflowWire;
  /** Resolve an on_hold approval job; its dependants then proceed. */
  approve(workflowId: string, approvalRequestId: string, approverId?: string): void;
  /** Make a project invisible to the token (404) or visible again; data is kept. */
  setProjectHidden(slug: string, hidden: boolean): void;
  /** Resolve any accepted slug spelling to the canonical stored slug, or undefined. Hidden projects resolve too. */
  canonicalSlug(slug: string): string | undefined;
  /** The user the default token belongs to (for GET /me and /me/collaborations). */
  readonly me: UserWire;
}

/** Share of failed workflows rerun in generated history, so reruns are always in the data. */
const HISTORY_RERUN_CHANCE = 0.35;
const LONG_VCS_NAMES = new Map([
  ["github", "gh"],
  ["bitbucket", "bb"],
]);

export function createWorld(options: WorldOptions = {}): World {
  const now = options.now ?? Date.now();
  const historyDays = options.historyDays ?? 14;
  const rng = new Random(options.seed ?? 1);
  const state = emptyState(now - historyDays * DAY_MS);
  const lifecycle = new Lifecycle(state, rng);
  const me = seedCatalog(state, lifecycle, rng, {
    projects: options.projects ?? 3,
    contextsPerOrg: options.contextsPerOrg ?? 3,
  });
  const slugs = [...state.projects.keys()];
  scheduleHistory(lifecycle, rng, slugs, {
    pipelinesPerProject: options.pipelinesPerProject ?? 30,
    historyDays,
    until: now,
  });
  lifecycle.rerunChance = HISTORY_RERUN_CHANCE;
  lifecycle.advance(now - state.now);
  lifecycle.rerunChance = options.activity?.rerunChance ?? 0;
  const pipelineEveryMs = options.activity?.pipelineEveryMs ?? null;
  if (pipelineEveryMs !== null) for (const slug of slugs) lifecycle.startActivity(slug, pipelineEveryMs);
  return new SimulatedWorld(state, lifecycle, me);
}

class SimulatedWorld implements World {
  readonly state: SimState;
  readonly me: UserWire;
  readonly #lifecycle: Lifecycle;

  constructor(state: SimState, lifecycle: Lifecycle, me: UserWire) {
    this.state = state;
    this.me = me;
    this.#lifecycle = lifecycle;
  }

  advance(ms: number): void {
    this.#lifecycle.advance(ms);
  }

  triggerPipeline(projectSlug: string, options: PipelineOptions = {}): PipelineWire {
    return this.#lifecycle.createPipeline(this.#requireSlug(projectSlug), options);
  }

  rerunWorkflow(workflowId: string, options: { fromFailed?: boolean } = {}): WorkflowWire {
    return this.#lifecycle.rerunWorkflow(workflowId, options.fromFailed ?? false, this.me.id);
  }

  approve(workflowId: string, approvalRequestId: string, approverId: string = this.me.id): void {
    this.#lifecycle.approve(workflowId, approvalRequestId, approverId);
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
