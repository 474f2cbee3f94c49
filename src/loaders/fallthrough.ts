/**
 * The CircleCI side of the read path: what to fetch when neither the L1 nor the store holds a key.
 * Every fetch is keyed, shared by concurrent requests and memoised per request (`shared-fetches.ts`);
 * every call to the client runs under one concurrency bound, behind the client's own rate-limit gate.
 * Results prime the L1, and settled subtrees are written back to the store (`write-back.ts`).
 */
import { CircleCIError } from "../circleci/index.js";
import { ReadTimeoutError } from "./errors.js";
import type { CircleCIClient, Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import type { Logger } from "../log.js";
import { RepeatedWarning } from "../log-throttle.js";
import { compareScored, timestampScore } from "../store/order.js";
import type { JobKey, JobRecord, Store, StoredProject } from "../store/store.js";
import { buildSteps, isTerminalJobStatus } from "../sync/index.js";
import { projectKey } from "../project-slug.js";
import { collect } from "../sync/map-concurrent.js";
import { isAfterCursor } from "./cursor.js";
import type { PipelineCursor } from "./cursor.js";
import { jobKeyId, l1Key, pageKeyPrefix, storedJobKey } from "./l1-cache.js";
import type { L1Cache } from "./l1-cache.js";
import { ConcurrencyLimit, InFlight, RequestMemo } from "./shared-fetches.js";
import type { LoaderStats } from "./stats.js";
import { writeFinalJobRecord, writeSubtree } from "./write-back.js";
import { messageOf } from "../error-message.js";

export interface FallthroughOptions {
  client: CircleCIClient;
  store: Store;
  l1: L1Cache;
  stats: LoaderStats;
  concurrency: number;
  /** The sync's overlap: what it will still re-read is left for it to write. */
  syncLookbackMs: number;
  /**
   * Longest one request waits for CircleCI, from when its loaders were made: a rate-limited or failing upstream
   * (retries, `Retry-After` pauses of the shared gate) must not hold a request for minutes.
   */
  readTimeoutMs: number;
  logger: Logger;
  /** false: fetched data is never written to the store (the cache is off). */
  writeBack: boolean;
}

export interface PipelineTree {
  pipeline: Pipeline | null;
  workflows: Workflow[];
}

export interface WorkflowTree {
  workflow: Workflow | null;
  jobs: WorkflowJob[];
}

export interface FetchedPage {
  pipelines: Pipeline[];
  hasNextPage: boolean;
}

export interface PageRequest {
  /** In any spelling: CircleCI is asked with it as given, the L1 keys it by the project's key. */
  projectSlug: string;
  branch: string | undefined;
  first: number;
  cursor: PipelineCursor | undefined;
}

/** The L1 key of a page of a project's pipelines as CircleCI lists them. */
export function pageKey(request: PageRequest): string {
  const { projectSlug, branch, first, cursor } = request;
  return `${pageKeyPrefix(projectSlug)}${branch ?? ""}\u0000${cursor?.id ?? ""}\u0000${first}`;
}

/** Factory-wide: the shared in-flight fetches, the concurrency bound, and the write-backs still running. */
export class Fallthrough {
  readonly options: FallthroughOptions;
  readonly #inFlight = new InFlight();
  readonly #limit: ConcurrencyLimit;
  readonly #writes = new Set<Promise<void>>();
  readonly #writeFailures: RepeatedWarning;

  constructor(options: FallthroughOptions) {
    this.options = options;
    this.#writeFailures = new RepeatedWarning(options.logger, { message: "could not write CircleCI data back to the store" });
    this.#limit = new ConcurrencyLimit(options.concurrency);
  }

  forRequest(): RequestFallthrough {
    return new RequestFallthrough(this, new RequestMemo(this.#inFlight), Date.now() + this.options.readTimeoutMs);
  }

  /** One client call under the bound, counted. */
  async call<T>(request: () => Promise<T>): Promise<T> {
    const { circleci } = this.options.stats;
    try {
      const value = await this.#limit.run(request);
      circleci.fetched += 1;
      return value;
    } catch (error) {
      if (isNotFound(error)) circleci.notFound += 1;
      else circleci.failed += 1;
      throw error;
    }
  }

  /** `call`, where a 404 means "no such thing" and answers `undefined`. */
  async find<T>(request: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(request);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Runs a write-back after the answer is served; a failed one only costs a later fallthrough, so failures
   * (every fallthrough while Redis is down) are logged at most once a minute.
   */
  writeBack(write: () => Promise<unknown>): void {
    if (!this.options.writeBack) return;
    const running = write().then(
      () => undefined,
      (error: unknown) => this.#writeFailures.occurred({ err: messageOf(error) }),
    );
    this.#writes.add(running);
    void running.finally(() => this.#writes.delete(running));
  }

  /** Resolves once every write-back started so far (and any they started) has finished. */
  async drain(): Promise<void> {
    while (this.#writes.size > 0) await Promise.all([...this.#writes]);
  }
}

/** One request's fetches. */
export class RequestFallthrough {
  readonly #shared: Fallthrough;
  readonly #memo: RequestMemo;
  /** Epoch ms past which this request stops waiting for CircleCI. */
  readonly #deadline: number;

  constructor(shared: Fallthrough, memo: RequestMemo, deadline: number) {
    this.#shared = shared;
    this.#memo = memo;
    this.#deadline = deadline;
  }

  /** Kept in the L1 only: the store's project list is the configured projects, refreshed by the sync. */
  project(slug: string): Promise<StoredProject | null> {
    const key = l1Key("project", projectKey(slug));
    return this.#once(key, () => this.#l1.get(key), async () => {
      const project = await this.#shared.find(() => this.#client.getProject(slug));
      const stored = project === undefined ? null : { slug: projectKey(slug), project };
      this.#l1.set(key, stored);
      return stored;
    });
  }

  /**
   * A pipeline with its workflows, answered as soon as both are known. The jobs of every workflow are
   * fetched too, because only a whole subtree may be written back; the write waits for them, the answer does not.
   */
  pipelineTree(id: string): Promise<PipelineTree> {
    const pipelineKey = l1Key("pipeline", id);
    const workflowsKey = l1Key("workflowsOf", id);
    const cached = (): { value: PipelineTree } | undefined => {
      const pipeline = this.#l1.get<Pipeline | null>(pipelineKey);
      const workflows = this.#l1.get<Workflow[]>(workflowsKey);
      if (pipeline?.value === null) return { value: { pipeline: null, workflows: [] } };
      return pipeline === undefined || workflows === undefined ? undefined : { value: { pipeline: pipeline.value, workflows: workflows.value } };
    };
    return this.#once(`tree\u0000${pipelineKey}`, cached, async () => {
      // A page read from CircleCI put its pipelines in the L1: no need to ask for them one by one.
      const known = this.#l1.get<Pipeline>(pipelineKey)?.value;
      const [pipeline, workflows] = await Promise.all([
        known ?? this.#shared.find(() => this.#client.getPipeline(id)),
        this.#shared.find(() => collect(this.#client.listWorkflows(id))),
      ]);
      if (pipeline === undefined) {
        this.#l1.set(pipelineKey, null);
        return { pipeline: null, workflows: [] };
      }
      const listed = oldestFirst(workflows ?? []);
      this.#l1.set(pipelineKey, pipeline);
      this.#l1.set(workflowsKey, listed);
      for (const workflow of listed) this.#l1.set(l1Key("workflow", workflow.id), workflow);
      const jobLists = listed.map((workflow) => this.jobsOf(workflow.id));
      this.#shared.writeBack(async () => {
        const jobs = await Promise.all(jobLists);
        const workflowsWithJobs = listed.map((workflow, index) => ({ workflow, jobs: jobs[index] ?? [] }));
        await writeSubtree(this.#store, { pipeline, workflows: workflowsWithJobs }, this.#shared.options.syncLookbackMs);
      });
      return { pipeline, workflows: listed };
    });
  }

  workflowTree(id: string): Promise<WorkflowTree> {
    const workflowKey = l1Key("workflow", id);
    const cached = (): { value: WorkflowTree } | undefined => {
      const workflow = this.#l1.get<Workflow | null>(workflowKey);
      const jobs = this.#l1.get<WorkflowJob[]>(l1Key("jobsOf", id));
      if (workflow?.value === null) return { value: { workflow: null, jobs: [] } };
      return workflow === undefined || jobs === undefined ? undefined : { value: { workflow: workflow.value, jobs: jobs.value } };
    };
    return this.#once(`tree\u0000${workflowKey}`, cached, async () => {
      const [workflow, jobs] = await Promise.all([this.#shared.find(() => this.#client.getWorkflow(id)), this.jobsOf(id)]);
      if (workflow === undefined) {
        this.#l1.set(workflowKey, null);
        return { workflow: null, jobs: [] };
      }
      this.#l1.set(workflowKey, workflow);
      this.#shared.writeBack(() => writeSubtree(this.#store, { workflows: [{ workflow, jobs }] }, this.#shared.options.syncLookbackMs));
      return { workflow, jobs };
    });
  }

  /** A workflow's jobs; written back with their workflow by the tree that asked (a list alone says nothing in the store). */
  jobsOf(workflowId: string): Promise<WorkflowJob[]> {
    const key = l1Key("jobsOf", workflowId);
    return this.#once(key, () => this.#l1.get(key), async () => {
      const jobs = (await this.#shared.find(() => collect(this.#client.listWorkflowJobs(workflowId)))) ?? [];
      this.#l1.set(key, jobs);
      return jobs;
    });
  }

  /** Details, and steps once the job is terminal, as the sync reads them. */
  jobRecord(jobKey: JobKey): Promise<JobRecord | null> {
    const key = l1Key("jobRecord", jobKeyId(jobKey));
    return this.#once(key, () => this.#l1.get(key), async () => {
      const { projectSlug, number } = jobKey;
      const details = await this.#shared.find(() => this.#client.getJobDetails(projectSlug, number));
      if (details === undefined) {
        this.#l1.set(key, null);
        return null;
      }
      let record: JobRecord = { ...storedJobKey(jobKey), details };
      if (isTerminalJobStatus(details.status)) {
        const build = await this.#shared.find(() => this.#client.getJobSteps(projectSlug, number));
        if (build !== undefined) record = { ...record, steps: buildSteps(build) };
      }
      this.#l1.set(key, record);
      this.#shared.writeBack(() => writeFinalJobRecord(this.#store, record));
      return record;
    });
  }

  /**
   * A page of a project the sync does not cover, from CircleCI's newest-first list: walks pages until
   * `first` pipelines past the cursor are read, plus one to tell whether another page exists.
   */
  pipelinePage(request: PageRequest): Promise<FetchedPage> {
    const key = pageKey(request);
    return this.#once(key, () => this.#l1.get(key), async () => {
      const { projectSlug, branch, first, cursor } = request;
      const collected = await this.#shared.call(async () => {
        const pipelines: Pipeline[] = [];
        for await (const page of this.#client.pipelinePages(projectSlug, { branch })) {
          pipelines.push(...page.items.filter((pipeline) => cursor === undefined || isAfterCursor(pipeline, cursor)));
          if (pipelines.length > first) break;
        }
        return pipelines;
      });
      const page = { pipelines: collected.slice(0, first), hasNextPage: collected.length > first };
      this.#l1.set(key, page);
      for (const pipeline of page.pipelines) this.#l1.set(l1Key("pipeline", pipeline.id), pipeline);
      return page;
    });
  }

  /**
   * The fetch for `key`, once per request and once across concurrent requests. The L1 is read again
   * first: a request that missed it a moment ago may find that another request's fetch has just filled it.
   * The request waits for it until its deadline only; the fetch itself goes on, for the L1 and the store.
   */
  #once<T>(key: string, cached: () => { value: T } | undefined, fetch: () => Promise<T>): Promise<T> {
    const fetched = this.#memo.get(key, async () => {
      const hit = cached();
      return hit === undefined ? fetch() : hit.value;
    });
    return untilDeadline(fetched, this.#deadline, this.#shared.options.readTimeoutMs);
  }

  get #client(): CircleCIClient {
    return this.#shared.options.client;
  }

  get #store(): Store {
    return this.#shared.options.store;
  }

  get #l1(): L1Cache {
    return this.#shared.options.l1;
  }
}

/** A pipeline's workflows in the store's order (oldest first, ties by id), so both sources answer alike. */
function oldestFirst(workflows: readonly Workflow[]): Workflow[] {
  const scored = (workflow: Workflow) => ({ member: workflow.id, score: timestampScore(workflow.created_at) });
  return [...workflows].sort((a, b) => compareScored(scored(a), scored(b)));
}

function untilDeadline<T>(fetched: Promise<T>, deadline: number, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReadTimeoutError(timeoutMs)), Math.max(0, deadline - Date.now()));
  });
  // A fetch that lost the race may still fail later: that is the write-back's and the next request's concern.
  fetched.catch(() => undefined);
  return Promise.race([fetched, expired]).finally(() => clearTimeout(timer));
}

function isNotFound(error: unknown): boolean {
  return error instanceof CircleCIError && error.status === 404;
}
