import type { z } from "zod";
import { CircuitBreaker } from "./breaker.js";
import { definedOnly } from "../defined-only.js";
import { silentLogger } from "../log.js";
import type { Logger } from "../log.js";
import type { ActionMessage, PipelineCreation, WorkflowRerun } from "./action-schemas.js";
import {
  approveJobRequest,
  cancelJobByIdRequest,
  cancelJobRequest,
  cancelWorkflowRequest,
  needsPipelineRun,
  rerunWorkflowRequest,
  runPipelineRequest,
  triggerPipelineRequest,
} from "./actions.js";
import type { ActionRequest, RerunOptions, RunPipelineOptions, TriggerOptions } from "./actions.js";
import { MissingOrganizationIdError, PipelineNotCreatedError, RecordRejectedError } from "./errors.js";
import type { RecordRejection } from "./errors.js";
import { RateLimitGate } from "./gate.js";
import { itemsOf, walkPages } from "./pagination.js";
import type { Page } from "./pagination.js";
import { Requester } from "./request.js";
import type { RequestEvent } from "./request.js";
import { defaultRetryPolicy } from "./retry.js";
import { missingProject as project, missingResource as resource, recordOf, route, v1ProjectParams } from "./route.js";
import type { Query, Route } from "./route.js";
import {
  contextEnvVarSchema,
  contextSchema,
  jobDetailsSchema,
  jobStepsSchema,
  pageEnvelopeSchema,
  pipelineSchema,
  projectSchema,
  testResultSchema,
  userSchema,
  workflowJobSchema,
  workflowSchema,
} from "./schemas.js";
import type { Context, ContextEnvVar, JobDetails, JobSteps, Pipeline, Project, TestResult, User, Workflow, WorkflowJob } from "./schemas.js";
import { StatsRecorder } from "./stats.js";
import type { ClientStats } from "./stats.js";
import { tokenPrefix, tokenScrubber } from "./token.js";
import { Transport } from "./transport.js";
import { validate } from "./validate.js";

export interface CircleCIClientOptions {
  /** Personal API token; sent only as the `Circle-Token` header. */
  token: string;
  /** Default `https://circleci.com`; CircleCI Server = its own host. The client adds `/api/v2` and `/api/v1.1`. */
  baseUrl?: string;
  /** Keep-alive connections in the undici Pool. Default 16. */
  connections?: number;
  /** Max requests in flight, over all calls of this client. Default 8. */
  concurrency?: number;
  /** Steady request budget of this client. Default 20. */
  requestsPerSecond?: number;
  /** Defaults: connect 10 s, headers 30 s, body (idle between chunks) 30 s. */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  /** Defaults: 5 attempts, 250 ms base backoff, 30 s cap. */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /**
   * Defaults: opens after 5 failed requests in a row (each after its retries), pauses calls for
   * 10 s, then sends one probe; each failed probe doubles the pause, up to 2 min.
   */
  breaker?: { failureThreshold?: number; cooldownMs?: number; maxCooldownMs?: number };
  /** Safety net per list walk. Default 1000 pages. */
  maxPages?: number;
  /** Default 32 MiB. */
  maxBodyBytes?: number;
  logger?: Logger;
  /** Called once per attempt: a metrics hook. */
  onRequest?: (event: RequestEvent) => void;
  /** Called for each record left out because it did not fit its schema: a list item, or a single read's answer. */
  onRecordRejected?: (rejection: RecordRejection) => void;
}

/** Where one call's rejected records go, besides the client's own log, stats and `onRecordRejected`. */
export interface ListOptions {
  onRejected?: (rejection: RecordRejection) => void;
}

type ItemSchema<T> = z.ZodType<T>;

/**
 * How the items of a list are told apart: to skip those already yielded when a walk restarts, and to name
 * an item that was rejected (`rawId`, undefined when the list's items have no id).
 */
interface ItemIdentity<T> {
  of(item: T): string;
  rawId(raw: unknown): string | undefined;
}

/** Items identified by one of their fields: `id`, or `variable` for env vars. */
function byField<K extends string>(key: K): ItemIdentity<Record<K, string>> {
  return {
    of: (item) => item[key],
    rawId: (raw) => {
      const value = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>)[key] : undefined;
      return typeof value === "string" ? value : undefined;
    },
  };
}

/**
 * Test results carry no id: a result is told apart by all it says, so only a result listed twice word for
 * word (which says nothing new) is yielded once.
 */
const testResultIdentity: ItemIdentity<TestResult> = {
  of: (test) => JSON.stringify([test.classname, test.file, test.name, test.result, test.message ?? null, test.run_time, test.source]),
  rawId: () => undefined,
};

/**
 * The only code that speaks HTTP to CircleCI. Every call shares one rate-limit gate and one
 * keep-alive pool; lists are lazy async iterables; failures are `CircleCIError`s whose message
 * says what to fix. While CircleCI keeps failing, a circuit breaker fails calls fast with
 * `CircleCIUnavailableError` and probes it back. Writes (trigger, rerun, cancel, approve) are
 * never sent twice: see `OutcomeUnknownError`.
 */
export class CircleCIClient {
  private readonly transport: Transport;
  private readonly gate: RateLimitGate;
  private readonly breaker: CircuitBreaker;
  private readonly requester: Requester;
  private readonly recorder = new StatsRecorder();
  private readonly logger: Logger;
  private readonly maxPages: number;
  private readonly onRecordRejected: ((rejection: RecordRejection) => void) | undefined;
  /** Rejections already logged at warn level (see `rejected`). */
  private readonly loggedRejections = new Set<string>();
  private readonly scrub: (text: string) => string;

  constructor(options: CircleCIClientOptions) {
    if (typeof options.token !== "string" || options.token.trim() === "") {
      throw new TypeError("CircleCIClient needs a token: set CIRCLECI_TOKEN to a personal API token.");
    }
    const base = new URL(options.baseUrl ?? "https://circleci.com");
    this.logger = (options.logger ?? silentLogger).child({ component: "circleci", token: tokenPrefix(options.token) });
    this.maxPages = options.maxPages ?? 1000;
    this.onRecordRejected = options.onRecordRejected;
    this.scrub = tokenScrubber(options.token);
    this.transport = new Transport({
      origin: base.origin,
      token: options.token,
      connections: options.connections,
      connectMs: options.timeouts?.connectMs,
      headersMs: options.timeouts?.headersMs,
      bodyMs: options.timeouts?.bodyMs,
      maxBodyBytes: options.maxBodyBytes,
    });
    this.gate = new RateLimitGate({ concurrency: options.concurrency, requestsPerSecond: options.requestsPerSecond });
    this.breaker = new CircuitBreaker(options.breaker);
    this.requester = new Requester({
      transport: this.transport,
      gate: this.gate,
      breaker: this.breaker,
      basePath: base.pathname.replace(/\/+$/, ""),
      retry: { ...defaultRetryPolicy, ...definedOnly(options.retry ?? {}) },
      stats: this.recorder,
      logger: this.logger,
      scrub: this.scrub,
      onRequest: options.onRequest,
    });
  }

  /** The token's user; a quick way to check a token (401 when it is bad). */
  me(): Promise<User> {
    return this.getOne(route("v2", "/me", {}, resource("user of this token")), userSchema);
  }

  getProject(slug: string): Promise<Project> {
    return this.getOne(route("v2", "/project/{slug}", { slug }, project(slug)), projectSchema);
  }

  /** Pipelines of a project, newest first, page by page: the syncer stops once a page is old enough. */
  pipelinePages(slug: string, options: { branch?: string } & ListOptions = {}): AsyncIterable<Page<Pipeline>> {
    return this.pages(
      (query) => route("v2", "/project/{slug}/pipeline", { slug }, project(slug), { branch: options.branch, ...query }),
      pipelineSchema,
      byField("id"),
      options,
    );
  }

  /**
   * The pipelines of an organization (`gh/acme`, `bb/acme` or `circleci/<org-id>`) over all its projects,
   * configured or not, page by page; `mine` keeps the token user's own. Items are shaped like a project's
   * pipelines. CircleCI covers the org's 250 most recently built projects and does not document the
   * order, so a walk that stops early must check every page's dates itself.
   */
  orgPipelinePages(orgSlug: string, options: { mine?: boolean } & ListOptions = {}): AsyncIterable<Page<Pipeline>> {
    const missing = resource(`organization ${orgSlug}`);
    const mine = options.mine === undefined ? undefined : String(options.mine);
    return this.pages(
      (query) => route("v2", "/pipeline", {}, missing, { "org-slug": orgSlug, mine, ...query }),
      pipelineSchema,
      byField("id"),
      options,
    );
  }

  listOrgPipelines(orgSlug: string, options: { mine?: boolean } & ListOptions = {}): AsyncIterable<Pipeline> {
    return itemsOf(this.orgPipelinePages(orgSlug, options));
  }

  listPipelines(slug: string, options: { branch?: string } & ListOptions = {}): AsyncIterable<Pipeline> {
    return itemsOf(this.pipelinePages(slug, options));
  }

  getPipeline(id: string): Promise<Pipeline> {
    return this.getOne(route("v2", "/pipeline/{id}", { id }, resource(`pipeline ${id}`)), pipelineSchema);
  }

  /** Workflows with a null `id` (ancient pipelines) are rejected and left out like any item that does not fit. */
  listWorkflows(pipelineId: string, options: ListOptions = {}): AsyncIterable<Workflow> {
    return this.items(
      (query) => route("v2", "/pipeline/{id}/workflow", { id: pipelineId }, resource(`pipeline ${pipelineId}`), query),
      workflowSchema,
      byField("id"),
      options,
    );
  }

  getWorkflow(id: string): Promise<Workflow> {
    return this.getOne(route("v2", "/workflow/{id}", { id }, resource(`workflow ${id}`)), workflowSchema);
  }

  listWorkflowJobs(workflowId: string, options: ListOptions = {}): AsyncIterable<WorkflowJob> {
    return this.items(
      (query) => route("v2", "/workflow/{id}/job", { id: workflowId }, resource(`workflow ${workflowId}`), query),
      workflowJobSchema,
      byField("id"),
      options,
    );
  }

  /** Build jobs only: CircleCI answers 404 for approval jobs. */
  getJobDetails(slug: string, jobNumber: number): Promise<JobDetails> {
    const missing = resource(`job ${jobNumber} in project ${slug}`);
    return this.getOne(route("v2", "/project/{slug}/job/{number}", { slug, number: jobNumber }, missing), jobDetailsSchema);
  }

  /** The test results a build job stored (none while it runs, and none for most jobs that did not finish). */
  listTestResults(slug: string, jobNumber: number, options: ListOptions = {}): AsyncIterable<TestResult> {
    const missing = resource(`job ${jobNumber} in project ${slug}`);
    return this.items(
      (query) => route("v2", "/project/{slug}/{number}/tests", { slug, number: jobNumber }, missing, query),
      testResultSchema,
      testResultIdentity,
      options,
    );
  }

  /** Steps come only from v1.1. The result never holds `output_url` (presigned, expires within minutes). */
  getJobSteps(slug: string, jobNumber: number): Promise<JobSteps> {
    const missing = resource(`job ${jobNumber} in project ${slug}`);
    const params = { ...v1ProjectParams(slug), build_num: jobNumber };
    return this.getOne(route("v1.1", "/project/{vcs}/{org}/{repo}/{build_num}", params, missing), jobStepsSchema);
  }

  /** Contexts of an organization, by its UUID (`owner-id`, which also works for `circleci/…` orgs). */
  listContexts(orgId: string | undefined, options: ListOptions = {}): AsyncIterable<Context> {
    if (orgId === undefined || orgId === "") throw new MissingOrganizationIdError();
    return this.items(
      (query) => route("v2", "/context", {}, resource(`organization ${orgId}`), { "owner-id": orgId, ...query }),
      contextSchema,
      byField("id"),
      options,
    );
  }

  /** Variable names and dates only: CircleCI never returns values. */
  listContextEnvVars(contextId: string, options: ListOptions = {}): AsyncIterable<ContextEnvVar> {
    return this.items(
      (query) =>
        route("v2", "/context/{id}/environment-variable", { id: contextId }, resource(`context ${contextId}`), query),
      contextEnvVarSchema,
      byField("variable"),
      options,
    );
  }

  /*
   * Writes. Each is retried only while CircleCI provably did not act on it (a 429, through the shared
   * gate; a connection that never opened). Any other failure once it may have arrived (a reset or a
   * timeout after sending, a 5xx, an answer that cannot be read) is an `OutcomeUnknownError` at once.
   * A 4xx is the usual error class carrying CircleCI's message (`PermissionError` for a token without
   * write access).
   */

  /**
   * Triggers a pipeline on `branch` or `tag` (neither: the project's default branch). GitHub App and
   * GitLab projects (`circleci/…` slugs) go through `runPipeline`, with the ref as both config and
   * checkout ref, since the classic endpoint refuses them. The answer may still be `pending`: its
   * workflows appear a moment later.
   */
  triggerPipeline(slug: string, options: TriggerOptions = {}): Promise<PipelineCreation> {
    if (!needsPipelineRun(slug)) return this.act(triggerPipelineRequest(slug, options));
    const { branch, tag, parameters } = options;
    const ref = branch === undefined && tag === undefined ? undefined : definedOnly({ branch, tag });
    return this.runPipeline(slug, definedOnly({ config: ref, checkout: ref, parameters }));
  }

  /** The newer trigger, for every kind of project but GitLab. `PipelineNotCreatedError` when CircleCI created none. */
  async runPipeline(slug: string, options: RunPipelineOptions = {}): Promise<PipelineCreation> {
    const request = runPipelineRequest(slug, options);
    const answer = await this.act(request);
    if ("id" in answer) return answer;
    const { endpoint, action } = request.route;
    throw new PipelineNotCreatedError({ endpoint, does: action.does, upstreamMessage: this.scrub(answer.message) });
  }

  /** A NEW workflow in the same pipeline; the workflow must have finished (a running one: `BadRequestError`). */
  rerunWorkflow(id: string, options: RerunOptions = {}): Promise<WorkflowRerun> {
    return this.act(rerunWorkflowRequest(id, options));
  }

  /** Accepted: the workflow's live jobs stop and it ends `canceled` shortly after. */
  cancelWorkflow(id: string): Promise<ActionMessage> {
    return this.act(cancelWorkflowRequest(id));
  }

  /** `approvalRequestId` is the approval job's `approval_request_id` (seen equal to its id). */
  approveJob(workflowId: string, approvalRequestId: string): Promise<ActionMessage> {
    return this.act(approveJobRequest(workflowId, approvalRequestId));
  }

  cancelJob(slug: string, jobNumber: number): Promise<ActionMessage> {
    return this.act(cancelJobRequest(slug, jobNumber));
  }

  /** By the job's id, for jobs that have no number yet. */
  cancelJobById(jobId: string): Promise<ActionMessage> {
    return this.act(cancelJobByIdRequest(jobId));
  }

  get stats(): ClientStats {
    return this.recorder.snapshot(this.gate.pauseStats, this.breaker.stats);
  }

  async close(): Promise<void> {
    this.gate.close();
    await this.transport.close();
  }

  /** A single read: a record that does not fit fails with `RecordRejectedError`, reported like a list item. */
  private getOne<T>(target: Route, schema: z.ZodType<T>, record: string = recordOf(target)): Promise<T> {
    return this.requester.get(target, (body) => validate(schema, body), record).catch((error: unknown) => {
      if (error instanceof RecordRejectedError) this.rejected(error.rejection);
      throw error;
    });
  }

  private act<T>({ route: target, body, schema }: ActionRequest<T>): Promise<T> {
    return this.requester.write(target, body, (answer) => validate(schema, answer));
  }

  private items<T>(
    routeFor: (query: Query) => Route,
    schema: ItemSchema<T>,
    identity: ItemIdentity<NoInfer<T>>,
    options: ListOptions,
  ): AsyncIterable<T> {
    return itemsOf(this.pages(routeFor, schema, identity, options));
  }

  /** A page whose envelope does not fit stops the walk (`RecordRejectedError`): no item of it can be trusted. */
  private pages<T>(
    routeFor: (query: Query) => Route,
    schema: ItemSchema<T>,
    identity: ItemIdentity<NoInfer<T>>,
    options: ListOptions,
  ): AsyncIterable<Page<T>> {
    const endpoint = routeFor({}).endpoint;
    return {
      [Symbol.asyncIterator]: () =>
        walkPages({
          endpoint,
          maxPages: this.maxPages,
          fetchPage: (pageToken) => {
            const target = routeFor({ "page-token": pageToken });
            return this.getOne(target, pageEnvelopeSchema, `a page of the list for ${recordOf(target)}`);
          },
          parseItem: (raw) => this.parseItem(endpoint, schema, identity, raw, options),
          idOf: (item) => identity.of(item),
          onRestart: () => this.logger.warn({ endpoint }, "page token expired (404): restarting the walk from page 1"),
        }),
    };
  }

  /** One item that does not fit never fails its page: it is reported, counted and left out. */
  private parseItem<T>(
    endpoint: string,
    schema: ItemSchema<T>,
    identity: ItemIdentity<NoInfer<T>>,
    raw: unknown,
    options: ListOptions,
  ): T | undefined {
    const result = validate(schema, raw);
    if (result.ok) return result.value;
    const rawId = identity.rawId(raw);
    const rejection: RecordRejection = {
      endpoint,
      record: rawId === undefined ? "an item without an id" : this.scrub(`item ${rawId}`),
      issues: this.scrub(result.issues),
    };
    this.rejected(rejection);
    options.onRejected?.(rejection);
    return undefined;
  }

  /**
   * Counts a rejected record and logs it: at warn level the first time (its endpoint, which record and the failing
   * paths, never the body), at debug level when the same record fails the same way again on a later read.
   */
  private rejected(rejection: RecordRejection): void {
    this.recorder.rejectedRecord();
    const key = `${rejection.endpoint}\u0000${rejection.record}\u0000${rejection.issues}`;
    const first = !this.loggedRejections.has(key);
    if (first) {
      if (this.loggedRejections.size >= MAX_REMEMBERED_REJECTIONS) this.loggedRejections.clear();
      this.loggedRejections.add(key);
    }
    this.logger[first ? "warn" : "debug"](rejection, "leaving out a CircleCI record that does not fit its schema");
    this.onRecordRejected?.(rejection);
  }
}

/** Bounds the memory of rejections already logged; past it, a record may be logged at warn level once more. */
const MAX_REMEMBERED_REJECTIONS = 10_000;
