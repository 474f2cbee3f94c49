/**
 * The CircleCI side of the read path: what to fetch when neither the L1 nor the store holds a key.
 * Every fetch is keyed, shared by concurrent requests while in flight and memoised per request
 * (`shared-fetches.ts`); every call to the client runs under one concurrency bound, behind the client's own
 * rate-limit gate. Results serve the request that asked (and those sharing the fetch) and no later one: no write
 * would announce when they change. They are handed to the writer, which stores what the read path may store
 * (settled subtrees out of the sync's reach, final job records) where the store holds nothing: that is how the next
 * request gets them.
 */
import { CircleCIError } from "../circleci/index.js";
import { ReadTimeoutError } from "./errors.js";
import type { CircleCIClient, Pipeline, TestResult, Workflow, WorkflowJob } from "../circleci/index.js";
import type { Logger } from "../log.js";
import { RepeatedWarning } from "../log-throttle.js";
import { compareScored, timestampScore } from "../store/order.js";
import { jobRecordId, storedJobKey } from "../store/keys.js";
import type { JobKey, JobRecord, StoredProject } from "../store/store.js";
import { buildSteps, isTerminalJobStatus } from "../sync/index.js";
import { projectKey } from "../project-slug.js";
import { collect } from "../sync/map-concurrent.js";
import { isAfterCursor } from "./cursor.js";
import type { PipelineCursor } from "./cursor.js";
import { ConcurrencyLimit, RequestMemo, SharedFetches } from "./shared-fetches.js";
import type { LoaderStats } from "./stats.js";
import { messageOf } from "../error-message.js";
import type { ReadPathWriter } from "../writer/index.js";

export interface FallthroughOptions {
  client: CircleCIClient;
  /** Stores what may be stored of what was fetched. */
  writer: ReadPathWriter;
  stats: LoaderStats;
  concurrency: number;
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
  /** In any spelling: CircleCI is asked with it as given; the store and the shared fetches key it by the project's key. */
  projectSlug: string;
  branch: string | undefined;
  first: number;
  cursor: PipelineCursor | undefined;
}

/** The key of a page of a project's pipelines as CircleCI lists them. */
function pageKey(request: PageRequest): string {
  const { projectSlug, branch, first, cursor } = request;
  return `page\u0000${projectKey(projectSlug)}\u0000${branch ?? ""}\u0000${cursor?.id ?? ""}\u0000${first}`;
}

/** Factory-wide: the shared in-flight fetches, the concurrency bound, and the write-backs still running. */
export class Fallthrough {
  readonly options: FallthroughOptions;
  readonly #fetches: SharedFetches;
  readonly #limit: ConcurrencyLimit;
  readonly #writes = new Set<Promise<void>>();
  readonly #writeFailures: RepeatedWarning;

  constructor(options: FallthroughOptions) {
    this.options = options;
    this.#writeFailures = new RepeatedWarning(options.logger, { message: "could not write CircleCI data back to the store" });
    this.#limit = new ConcurrencyLimit(options.concurrency);
    this.#fetches = new SharedFetches(options.readTimeoutMs);
  }

  forRequest(): RequestFallthrough {
    return new RequestFallthrough(this, new RequestMemo(this.#fetches), Date.now() + this.options.readTimeoutMs);
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
  /** Pipelines this request's CircleCI pages listed: their trees need no `GET /pipeline/{id}`. */
  readonly #listed = new Map<string, Pipeline>();

  constructor(shared: Fallthrough, memo: RequestMemo, deadline: number) {
    this.#shared = shared;
    this.#memo = memo;
    this.#deadline = deadline;
  }

  /** A project the store does not hold (one not configured): `null` when CircleCI does not know it. */
  project(slug: string): Promise<StoredProject | null> {
    return this.#once(`project\u0000${projectKey(slug)}`, async () => {
      const project = await this.#shared.find(() => this.#client.getProject(slug));
      return project === undefined ? null : { slug: projectKey(slug), project };
    });
  }

  /**
   * A pipeline with its workflows, answered as soon as both are known. The jobs of every workflow are
   * fetched too, because only a whole subtree may be written back; the write waits for them, the answer does not.
   */
  pipelineTree(id: string): Promise<PipelineTree> {
    return this.#once(`tree\u0000pipeline\u0000${id}`, async () => {
      const known = this.#listed.get(id);
      const [pipeline, workflows] = await Promise.all([
        known ?? this.#shared.find(() => this.#client.getPipeline(id)),
        this.#shared.find(() => collect(this.#client.listWorkflows(id))),
      ]);
      if (pipeline === undefined) return { pipeline: null, workflows: [] };
      const listed = oldestFirst(workflows ?? []);
      // Past this request's deadline too: the write-back needs them, whoever is still waiting.
      const jobLists = listed.map((workflow) => this.#jobs(workflow.id));
      this.#shared.writeBack(async () => {
        const jobs = await Promise.all(jobLists);
        const workflowsWithJobs = listed.map((workflow, index) => ({ workflow, jobs: jobs[index] ?? [] }));
        await this.#writer.storeSettledSubtree({ pipeline, workflows: workflowsWithJobs });
      });
      return { pipeline, workflows: listed };
    });
  }

  workflowTree(id: string): Promise<WorkflowTree> {
    return this.#once(`tree\u0000workflow\u0000${id}`, async () => {
      const [workflow, jobs] = await Promise.all([this.#shared.find(() => this.#client.getWorkflow(id)), this.#jobs(id)]);
      if (workflow === undefined) return { workflow: null, jobs: [] };
      this.#shared.writeBack(() => this.#writer.storeSettledSubtree({ workflows: [{ workflow, jobs }] }));
      return { workflow, jobs };
    });
  }

  /** A workflow's jobs; written back with their workflow by the tree that asked (a list alone says nothing in the store). */
  jobsOf(workflowId: string): Promise<WorkflowJob[]> {
    return this.#untilDeadline(this.#jobs(workflowId));
  }

  #jobs(workflowId: string): Promise<WorkflowJob[]> {
    return this.#memo.get(`jobsOf\u0000${workflowId}`, async () => (await this.#shared.find(() => collect(this.#client.listWorkflowJobs(workflowId)))) ?? []);
  }

  /** Details, and steps once the job is terminal, as the sync reads them. */
  jobRecord(jobKey: JobKey): Promise<JobRecord | null> {
    return this.#once(`jobRecord\u0000${jobRecordId(jobKey)}`, async () => {
      const { projectSlug, number } = jobKey;
      const details = await this.#shared.find(() => this.#client.getJobDetails(projectSlug, number));
      if (details === undefined) return null;
      let record: JobRecord = { ...storedJobKey(jobKey), details };
      if (isTerminalJobStatus(details.status)) {
        const build = await this.#shared.find(() => this.#client.getJobSteps(projectSlug, number));
        if (build !== undefined) record = { ...record, steps: buildSteps(build) };
      }
      this.#shared.writeBack(() => this.#writer.storeFinalJobRecord(record));
      return record;
    });
  }

  /**
   * A build job's test results (none for a job CircleCI does not know), every page. Written back into the job's
   * stored record, which is where the next request finds them.
   */
  testResults(jobKey: JobKey): Promise<TestResult[]> {
    return this.#once(`tests\u0000${jobRecordId(jobKey)}`, async () => {
      const tests = await this.#shared.find(() => collect(this.#client.listTestResults(jobKey.projectSlug, jobKey.number)));
      if (tests === undefined) return [];
      this.#shared.writeBack(() => this.#writer.storeTestResults(storedJobKey(jobKey), tests));
      return tests;
    });
  }

  /**
   * A page of a project the sync does not cover, from CircleCI's newest-first list: walks pages until
   * `first` pipelines past the cursor are read, plus one to tell whether another page exists.
   */
  pipelinePage(request: PageRequest): Promise<FetchedPage> {
    return this.#once(pageKey(request), async () => {
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
      for (const pipeline of page.pipelines) this.#listed.set(pipeline.id, pipeline);
      return page;
    });
  }

  /**
   * The fetch for `key`, once per request and once across concurrent requests. The request waits for it until its
   * deadline only; the fetch itself goes on, for the requests sharing it and the write-back.
   */
  #once<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    return this.#untilDeadline(this.#memo.get(key, fetch));
  }

  #untilDeadline<T>(fetched: Promise<T>): Promise<T> {
    return untilDeadline(fetched, this.#deadline, this.#shared.options.readTimeoutMs);
  }

  get #client(): CircleCIClient {
    return this.#shared.options.client;
  }

  get #writer(): ReadPathWriter {
    return this.#shared.options.writer;
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
