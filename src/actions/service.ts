/**
 * The actions dashboards take on CircleCI: trigger a pipeline, rerun, cancel and approve. Each checks what it can
 * before CircleCI is asked (a refusal is an `ActionInputError`), sends the request once (with an idempotency key, at
 * most once in the key's lifetime on any instance), then stores what it changed as the sync would and answers with
 * it (see `effects.ts`). Each is audited: one log line and a count. Callers with write access only: the operation
 * pipeline refuses a mutation from any other before it reaches this.
 */
import { CircleCIError, OutcomeUnknownError } from "../circleci/index.js";
import type { CircleCIClient, Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import type { LoaderFactory, Loaders } from "../loaders/index.js";
import type { Logger } from "../log.js";
import type { Caller } from "../operation/index.js";
import { ConfiguredProjects } from "../project-slug.js";
import type { Invalidations } from "../store/invalidations.js";
import type { JobRecord, Store } from "../store/store.js";
import { isLiveWorkflowStatus, isTerminalJobStatus } from "../sync/live.js";
import type { ActionWriter } from "../writer/index.js";
import { ActionAudit } from "./audit.js";
import type { ActionOutcomeLabel, ActionStats } from "./audit.js";
import { ActionEffects } from "./effects.js";
import type { Effect, EffectTiming } from "./effects.js";
import { ActionInputError, ActionOutcomeUnknownError, ActionUnreadError } from "./errors.js";
import { IdempotencyKeys } from "./idempotency.js";
import type { ActionResult, IdempotencyTiming, Once } from "./idempotency.js";
import { fingerprintOf, projectSlugOf, rerunOptionsOf, triggerOptionsOf } from "./inputs.js";
import type { RerunArguments, TriggerArguments } from "./inputs.js";

export interface ActionServiceOptions {
  client: CircleCIClient;
  store: Store;
  writer: ActionWriter;
  invalidations: Pick<Invalidations, "barrier">;
  /** The lookups an action makes before it acts (is the workflow known, is the job an approval on hold). */
  loaders: Pick<LoaderFactory, "forRequest">;
  /** The projects the gateway syncs (`CIRCLECI_PROJECT_SLUGS`): the only ones it acts on, so what it does shows in it. */
  projectSlugs: readonly string[];
  logger: Logger;
  /** CircleCI reads in flight while an effect is read back. Default 8. */
  concurrency?: number;
  timing?: { effects?: EffectTiming; idempotency?: IdempotencyTiming };
}

export interface TriggerRequest extends TriggerArguments {
  idempotencyKey?: string | null;
}

export interface RerunRequest extends RerunArguments {
  idempotencyKey?: string | null;
}

/** The actions, on behalf of one caller. Each answers CircleCI's document as the store holds it after the action. */
export interface CallerActions {
  /** The new pipeline, often still `pending`: its workflows follow (and are announced) a moment later. */
  triggerPipeline(request: TriggerRequest): Promise<Pipeline>;
  /** The NEW workflow CircleCI created. */
  rerunWorkflow(request: RerunRequest): Promise<Workflow>;
  /** The workflow as read after the cancel. */
  cancelWorkflow(id: string): Promise<Workflow>;
  /** The approval job as read after the approval. */
  approveJob(workflowId: string, jobId: string): Promise<WorkflowJob>;
  /** The job as read after the cancel. */
  cancelJob(projectSlug: string, number: number): Promise<JobRecord>;
}

/** Idempotency keys longer than this are refused: a UUID or a request id fits many times over. */
const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

/** What one action notes for its audit line as it goes. */
interface Note {
  circleci?: Record<string, unknown>;
  replayed: boolean;
}

export class ActionService {
  readonly #options: ActionServiceOptions;
  readonly #audit: ActionAudit;
  readonly #effects: ActionEffects;
  readonly #keys: IdempotencyKeys;
  readonly #synced: ConfiguredProjects;

  constructor(options: ActionServiceOptions) {
    this.#options = options;
    const logger = options.logger.child({ component: "actions" });
    this.#audit = new ActionAudit(options.logger);
    this.#effects = new ActionEffects({ ...options, concurrency: options.concurrency ?? 8, logger, timing: options.timing?.effects });
    this.#keys = new IdempotencyKeys(options.writer, options.store, logger, options.timing?.idempotency);
    this.#synced = new ConfiguredProjects(options.projectSlugs);
  }

  forCaller(caller: Caller): CallerActions {
    return {
      triggerPipeline: (request) => this.#audited(caller, "triggerPipeline", triggerLogArgs(request), (note) => this.#trigger(request, note)),
      rerunWorkflow: (request) => this.#audited(caller, "rerunWorkflow", { ...request }, (note) => this.#rerun(request, note)),
      cancelWorkflow: (id) => this.#audited(caller, "cancelWorkflow", { id }, (note) => this.#cancelWorkflow(id, note)),
      approveJob: (workflowId, jobId) => this.#audited(caller, "approveJob", { workflowId, jobId }, (note) => this.#approve(workflowId, jobId, note)),
      cancelJob: (projectSlug, number) => this.#audited(caller, "cancelJob", { projectSlug, number }, (note) => this.#cancelJob(projectSlug, number, note)),
    };
  }

  /** A mutation refused before it ran, for want of write access: audited per root field. */
  refused(caller: Caller, fields: readonly string[]): void {
    this.#audit.refused(caller.name, fields);
  }

  get stats(): ActionStats {
    return this.#audit.stats;
  }

  /** Stops following effects in the background. */
  close(): Promise<void> {
    return this.#effects.close();
  }

  async #trigger(request: TriggerRequest, note: Note): Promise<Pipeline> {
    const projectSlug = this.#syncedSlug(request.projectSlug);
    const options = triggerOptionsOf(request);
    const outcome = await this.#once(
      "triggerPipeline",
      request.idempotencyKey,
      { projectSlug, ...options },
      async () => {
        const created = await this.#options.client.triggerPipeline(projectSlug, options);
        note.circleci = { pipelineId: created.id, number: created.number, state: created.state };
        return created;
      },
      (created) => ({ type: "pipeline", id: created.id }),
      note,
    );
    if (outcome.replayed) return this.#replayed(outcome.result, (lookups, id) => lookups.pipeline.load(id));
    const { id, number } = outcome.value;
    return this.#effects.apply({
      target: { pipelineId: id, projectSlug, awaitingWorkflows: true },
      done: `CircleCI created pipeline ${number} (${id}) in ${projectSlug}`,
      answerBeforeComplete: true,
      read: async (store) => {
        const [[pipeline], [workflows]] = await Promise.all([store.getPipelines([id]), store.getWorkflowsOf([id])]);
        return pipeline === undefined ? undefined : { answer: pipeline, complete: (workflows?.length ?? 0) > 0 || pipeline.state === "errored" };
      },
    });
  }

  async #rerun(request: RerunRequest, note: Note): Promise<Workflow> {
    const options = rerunOptionsOf(request);
    const lookups = this.#options.loaders.forRequest();
    const workflow = await this.#workflow(lookups, request.id);
    if (options.jobIds !== undefined) {
      const jobs = new Set((await lookups.jobsOfWorkflow.load(workflow.id)).map((job) => job.id));
      const unknown = options.jobIds.filter((id) => !jobs.has(id));
      if (unknown.length > 0) throw new ActionInputError(`workflow ${workflow.id} (${workflow.name}) has no job ${unknown.join(", ")}: name jobs of that workflow in \`jobIds\``);
    }
    const outcome = await this.#once(
      "rerunWorkflow",
      request.idempotencyKey,
      { id: workflow.id, ...options },
      async () => {
        const rerun = await this.#options.client.rerunWorkflow(workflow.id, options);
        note.circleci = { workflowId: rerun.workflow_id };
        return rerun;
      },
      (rerun) => ({ type: "workflow", id: rerun.workflow_id }),
      note,
    );
    if (outcome.replayed) return this.#replayed(outcome.result, (loaders, id) => loaders.workflow.load(id));
    const newId = outcome.value.workflow_id;
    return this.#effects.apply({
      target: this.#targetOf(workflow),
      done: `CircleCI started workflow ${newId} to rerun ${workflow.name} (${workflow.id})`,
      read: async (store) => {
        const [rerun] = await store.getWorkflows([newId]);
        return rerun === undefined ? undefined : { answer: rerun, complete: true };
      },
    });
  }

  async #cancelWorkflow(id: string, note: Note): Promise<Workflow> {
    const workflow = await this.#workflow(this.#options.loaders.forRequest(), id);
    note.circleci = await this.#options.client.cancelWorkflow(workflow.id);
    return this.#effects.apply(this.#workflowEffect(workflow, `CircleCI canceled workflow ${workflow.id} (${workflow.name})`));
  }

  async #approve(workflowId: string, jobId: string, note: Note): Promise<WorkflowJob> {
    const lookups = this.#options.loaders.forRequest();
    const workflow = await this.#workflow(lookups, workflowId);
    const job = (await lookups.jobsOfWorkflow.load(workflow.id)).find((candidate) => candidate.id === jobId);
    if (job === undefined) throw new ActionInputError(`workflow ${workflow.id} (${workflow.name}) has no job ${jobId}: pass the id of one of its approval jobs`);
    if (job.type !== "approval") throw new ActionInputError(`job ${jobId} (${job.name}) is a ${job.type} job, not an approval: only approval jobs are approved`);
    if (job.status !== "on_hold") throw new ActionInputError(`approval job ${jobId} (${job.name}) is ${job.status}, not on hold: only an approval that waits can be approved`);
    if (job.approval_request_id == null) throw new ActionInputError(`approval job ${jobId} (${job.name}) has no approval request yet: try again in a moment`);
    note.circleci = await this.#options.client.approveJob(workflow.id, job.approval_request_id);
    return this.#effects.apply({
      target: this.#targetOf(workflow),
      done: `CircleCI approved job ${jobId} (${job.name}) of workflow ${workflow.id}`,
      read: async (store) => {
        const approved = (await store.getJobsOf([workflow.id]))[0]?.find((candidate) => candidate.id === jobId);
        return approved === undefined ? undefined : { answer: approved, complete: approved.status !== "on_hold" };
      },
    });
  }

  async #cancelJob(slug: string, number: number, note: Note): Promise<JobRecord> {
    const projectSlug = this.#syncedSlug(slug);
    const record = await this.#options.loaders.forRequest().jobRecord.load({ projectSlug, number });
    if (record === null) throw new ActionInputError(`${projectSlug} has no build job ${number}: pass the number of one of its build jobs`);
    note.circleci = await this.#options.client.cancelJob(projectSlug, number);
    return this.#effects.apply({
      target: { pipelineId: record.details.pipeline.id, projectSlug },
      done: `CircleCI canceled job ${number} (${record.details.name}) in ${projectSlug}`,
      read: async (store) => {
        const [canceled] = await store.getJobRecords([{ projectSlug, number }]);
        return canceled === undefined ? undefined : { answer: canceled, complete: isTerminalJobStatus(canceled.details.status) };
      },
    });
  }

  /** A workflow the gateway knows (from the store, else CircleCI), of a project it syncs. */
  async #workflow(lookups: Loaders, id: string): Promise<Workflow> {
    const workflow = await lookups.workflow.load(id);
    if (workflow === null) throw new ActionInputError(`CircleCI has no workflow ${id} that this gateway's token can see: pass a workflow's id`);
    this.#syncedSlug(workflow.project_slug);
    return workflow;
  }

  #workflowEffect(workflow: Workflow, done: string): Effect<Workflow> {
    return {
      target: this.#targetOf(workflow),
      done,
      read: async (store) => {
        const [read] = await store.getWorkflows([workflow.id]);
        return read === undefined ? undefined : { answer: read, complete: !isLiveWorkflowStatus(read.status) };
      },
    };
  }

  #targetOf(workflow: Workflow): Effect<unknown>["target"] {
    return { pipelineId: workflow.pipeline_id, projectSlug: this.#syncedSlug(workflow.project_slug) };
  }

  /** The project's slug as configured (what CircleCI is asked with), if the gateway syncs it. */
  #syncedSlug(input: string): string {
    const slug = projectSlugOf(input);
    if (this.#synced.isConfigured(slug)) return this.#synced.spelling(slug);
    throw new ActionInputError(`${slug} is not a project this gateway syncs (CIRCLECI_PROJECT_SLUGS): it acts only on those, so that what it does shows in it`);
  }

  /** `send` once per idempotency key (every time without one). */
  async #once<T>(action: string, key: string | null | undefined, args: object, send: () => Promise<T>, resultOf: (value: T) => ActionResult, note: Note): Promise<Once<T>> {
    if (key == null) return { replayed: false, value: await send() };
    if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new ActionInputError(`idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters (got ${key.length}): a UUID per request does`);
    }
    const outcome = await this.#keys.once(action, key, fingerprintOf(action, args), send, resultOf);
    note.replayed = outcome.replayed;
    return outcome;
  }

  /** The result of an earlier request with the same key, as the gateway holds it now. */
  async #replayed<T>(result: ActionResult, load: (lookups: Loaders, id: string) => Promise<T | null>): Promise<T> {
    const found = await load(this.#options.loaders.forRequest(), result.id);
    if (found === null) throw new ActionUnreadError(`an earlier request with this idempotencyKey made ${result.type} ${result.id}, which CircleCI does not show now`);
    return found;
  }

  async #audited<T>(caller: Caller, action: string, args: Record<string, unknown>, work: (note: Note) => Promise<T>): Promise<T> {
    const started = Date.now();
    const note: Note = { replayed: false };
    const entry = (outcome: ActionOutcomeLabel, more: { circleci?: Record<string, unknown>; error?: { code: string; message: string } } = {}) =>
      this.#audit.record({ action, caller: caller.name, args, outcome, circleci: note.circleci, ...more, durationMs: Date.now() - started });
    try {
      const value = await work(note);
      entry(note.replayed ? "replayed" : "ok");
      return value;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = typeof (error as { code?: unknown }).code === "string" ? (error as { code: string }).code : "INTERNAL_SERVER_ERROR";
      const refusal = error instanceof CircleCIError ? { circleci: { status: error.status, message: error.upstreamMessage } } : {};
      entry(outcomeOf(error), { ...refusal, error: { code, message } });
      throw error;
    }
  }
}

function outcomeOf(error: unknown): ActionOutcomeLabel {
  if (error instanceof ActionInputError) return "bad_input";
  if (error instanceof OutcomeUnknownError || error instanceof ActionOutcomeUnknownError) return "outcome_unknown";
  if (error instanceof ActionUnreadError) return "not_read";
  if (error instanceof CircleCIError) return "circleci_error";
  return "failed";
}

/** A trigger's arguments for its log line: parameter names, not their values (a parameter may carry a secret). */
function triggerLogArgs(request: TriggerRequest): Record<string, unknown> {
  const { parameters, ...rest } = request;
  return { ...rest, ...(parameters == null ? {} : { parameterNames: Object.keys(parameters) }) };
}
