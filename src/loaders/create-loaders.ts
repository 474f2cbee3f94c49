/**
 * The loader factory: one per process, holding what requests share (the L1, the CircleCI fetches in flight, the
 * concurrency bound, the stats), and handing each GraphQL request its own `Loaders`: DataLoaders whose values live
 * exactly as long as the request. The L1 follows the store's invalidations: it evicts what each write names and drops
 * everything when invalidations may have been missed.
 */
import type { CircleCIClient, Pipeline, TestResult, Workflow, WorkflowJob } from "../circleci/index.js";
import { silentLogger } from "../log.js";
import type { Logger } from "../log.js";
import type { Invalidations } from "../store/invalidations.js";
import type { BoardIndexEntry, BoardScope } from "../answers/index.js";
import type { JobKey, JobRecord, PendingApprovalRecord, Store, StoredContext, StoredProject, SyncStatusRecord } from "../store/store.js";
import { jobRecordId } from "../store/keys.js";
import { tags } from "../store/tags.js";
import type { Tag } from "../store/tags.js";
import { StoreOnlyReadError } from "./errors.js";
import { Fallthrough } from "./fallthrough.js";
import { L1Cache, l1Key } from "./l1-cache.js";
import type { L1Entry, L1Kind } from "./l1-cache.js";
import { answered } from "./layered-load.js";
import type { LayeredContext, LayeredSource, RequestContext } from "./layered-load.js";
import { LayeredLoader } from "./layered-loader.js";
import type { Loaders } from "./loaders.js";
import { loadPipelinePage } from "./pipeline-page.js";
import { untrackedReads } from "./read-tracker.js";
import type { ReadTracker } from "./read-tracker.js";
import { copyStats, emptyStats } from "./stats.js";
import type { LoaderStats } from "./stats.js";
import { StoreOutage } from "./store-outage.js";
import { projectKey } from "../project-slug.js";
import type { ReadPathWriter } from "../writer/index.js";

export interface LoaderFactoryOptions {
  store: Store;
  /** Serves what the store lacks; its rate-limit gate paces every call. */
  client: CircleCIClient;
  /** Stores what the read path fetched, where it may (the writer keeps what the sync will still read for the sync). */
  writer: ReadPathWriter;
  /** What the store's writer changed, from every instance: the L1 evicts by it. */
  invalidations: Invalidations;
  /** L1 capacity, in entries (least recently used evicted first). Default 10 000. */
  l1MaxEntries?: number;
  /** CircleCI fetches in flight at once, over all requests. Default 8. */
  concurrency?: number;
  /** Longest one request waits for its CircleCI fetches (`CIRCLECI_READ_TIMEOUT_SECONDS`), in ms. Default 30 000. */
  readTimeoutMs?: number;
  /** Receives failed write-backs. Default: silent. */
  logger?: Logger;
  /**
   * Default true. false turns the cache off, for the benchmarks' passthrough baseline: no L1, no store reads of
   * entities or listings, no write-back; every key goes to CircleCI (still batched, deduplicated and bounded).
   * What only the store holds (contexts, sync status, the answers' indexes) is still read from it.
   */
  cache?: boolean;
}

export interface RequestOptions {
  /** Told every tag the request's answers were built from (a whole-answer cache keeps them). Default: untracked. */
  tracker?: ReadTracker;
}

export interface LoaderFactory {
  /** A fresh set of loaders for one GraphQL request. */
  forRequest(options?: RequestOptions): Loaders;
  /** A copy of the counters so far. */
  readonly stats: LoaderStats;
  /** Resolves once every write-back to the store started so far has finished. */
  drain(): Promise<void>;
  /** Stops following the invalidations and waits for the write-backs; closes neither the store nor the client. */
  close(): Promise<void>;
}

/** What each store-only read is, in a refusal's words. */
const STORE_ONLY: Partial<Record<L1Kind, string>> = {
  storedProject: "A project's synced document",
  board: "The status board",
  boardBranches: "The status board",
  pendingApprovals: "The approvals inbox",
};

export const DEFAULT_L1_MAX_ENTRIES = 10_000;
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_READ_TIMEOUT_MS = 30_000;

export function createLoaderFactory(options: LoaderFactoryOptions): LoaderFactory {
  const { store, client, writer, invalidations } = options;
  const cache = options.cache ?? true;
  const l1 = new L1Cache({ maxEntries: options.l1MaxEntries ?? DEFAULT_L1_MAX_ENTRIES });
  const stats = emptyStats();
  const logger = (options.logger ?? silentLogger).child({ component: "loaders" });
  const fallthrough = new Fallthrough({
    client,
    writer,
    stats,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    readTimeoutMs: options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS,
    logger,
    writeBack: cache,
  });
  const outage = new StoreOutage(logger);
  const shared: LayeredContext = { l1, stats, outage };
  /** Projects whose pipelines the sync has listed: a fact that only a wiped store (a reset) takes back. */
  const synced = new Set<string>();
  const stopFollowing = [
    invalidations.subscribe((changed) => l1.invalidate(changed)),
    invalidations.onReset(() => {
      l1.clear();
      synced.clear();
    }),
  ];

  /**
   * A whole-value read (contexts, sync status, the projects) through the L1: the store always has an answer for
   * these. `tagsOf` names what the value was built from.
   */
  async function cachedRead<T>(kind: L1Kind, tagsOf: (value: T) => readonly Tag[], read: () => Promise<T>, tracker: ReadTracker): Promise<T> {
    const key = l1Key(kind, "");
    const hit = l1.get<T>(key);
    if (hit !== undefined) {
      stats.l1.hits += 1;
      return answered(hit, tracker);
    }
    stats.l1.misses += 1;
    let entry = l1.reading<T>(key) as Promise<L1Entry<T>> | undefined;
    if (entry === undefined) {
      entry = read().then((value) => ({ value, tags: tagsOf(value) }));
      l1.track(key, entry);
    }
    const found = await entry;
    stats.store.hits += 1;
    return answered(found, tracker);
  }

  const syncStatus = (tracker: ReadTracker): Promise<SyncStatusRecord> => cachedRead("syncStatus", () => [tags.syncStatus], () => store.getSyncStatus(), tracker);

  /** Unknown while the store does not answer: then the project is paged from CircleCI. */
  async function isSynced(projectSlug: string): Promise<boolean> {
    if (!cache) return false;
    if (synced.has(projectSlug)) return true;
    const streams = (await outage.read(() => syncStatus(untrackedReads), undefined))?.streams ?? [];
    const listed = streams.some((status) => status.stream === "pipelines" && status.projectSlug === projectSlug && status.lastSuccessAt !== undefined);
    if (listed) synced.add(projectSlug);
    return listed;
  }

  function forRequest(requestOptions: RequestOptions = {}): Loaders {
    const tracker = requestOptions.tracker ?? untrackedReads;
    const context: RequestContext = { ...shared, tracker };
    const loader = <K, V>(source: LayeredSource<K, V>): LayeredLoader<K, V> =>
      new LayeredLoader<K, V>(cache ? source : { ...source, readStore: nothingStored<K, V> }, context);
    /** What only the store holds, read from it whether or not the cache is on; it has an answer for every key. */
    const fromStore = <K, V>(source: Omit<LayeredSource<K, V>, "fetch">): LayeredLoader<K, V> =>
      new LayeredLoader<K, V>({ ...source, fetch: () => Promise.reject(new StoreOnlyReadError(STORE_ONLY[source.kind] ?? source.kind)) }, context);
    const fetches = fallthrough.forRequest();
    const byId = (id: string): string => id;
    const pipeline = loader<string, Pipeline | null>({
      kind: "pipeline",
      idOf: byId,
      tagsOf: (id) => [tags.pipeline(id)],
      readStore: (ids) => store.getPipelines(ids),
      fetch: async (id) => (await fetches.pipelineTree(id)).pipeline,
    });
    return {
      project: loader<string, StoredProject | null>({
        kind: "project",
        idOf: projectKey,
        tagsOf: (slug) => [tags.project(projectKey(slug))],
        readStore: (slugs) => store.getProjects(slugs.map(projectKey)),
        fetch: (slug) => fetches.project(slug),
      }),
      pipeline,
      workflowsOfPipeline: loader<string, Workflow[]>({
        kind: "workflowsOf",
        idOf: byId,
        tagsOf: (id, workflows) => [tags.workflowsOf(id), ...workflows.map((workflow) => tags.workflow(workflow.id))],
        readStore: (ids) => store.getWorkflowsOf(ids),
        fetch: async (id) => (await fetches.pipelineTree(id)).workflows,
      }),
      workflow: loader<string, Workflow | null>({
        kind: "workflow",
        idOf: byId,
        tagsOf: (id) => [tags.workflow(id)],
        readStore: (ids) => store.getWorkflows(ids),
        fetch: async (id) => (await fetches.workflowTree(id)).workflow,
      }),
      // CircleCI cannot find a job by id: the store's answer is the answer, its absence included.
      job: loader<string, WorkflowJob | null>({
        kind: "job",
        idOf: byId,
        tagsOf: (id) => [tags.job(id)],
        readStore: async (ids) => (await store.getJobs(ids)).map((job) => job ?? null),
        fetch: async () => null,
      }),
      jobsOfWorkflow: loader<string, WorkflowJob[]>({
        kind: "jobsOf",
        idOf: byId,
        tagsOf: (id, jobs) => [tags.jobsOf(id), ...jobs.map((job) => tags.job(job.id))],
        readStore: (ids) => store.getJobsOf(ids),
        fetch: (id) => fetches.jobsOf(id),
      }),
      jobRecord: loader<JobKey, JobRecord | null>({
        kind: "jobRecord",
        idOf: jobRecordId,
        tagsOf: (key) => [tags.jobRecord(projectKey(key.projectSlug), key.number)],
        readStore: (keys) => store.getJobRecords(keys),
        fetch: (key) => fetches.jobRecord(key),
      }),
      // Results live in the job's record: stored ones are read (and evicted) with it.
      testResults: loader<JobKey, TestResult[]>({
        kind: "testResults",
        idOf: jobRecordId,
        tagsOf: (key) => [tags.jobRecord(projectKey(key.projectSlug), key.number)],
        readStore: async (keys) => (await store.getJobRecords(keys)).map((record) => record?.tests),
        fetch: (key) => fetches.testResults(key),
      }),
      pipelinePage: (projectSlug, pageOptions) =>
        loadPipelinePage({ ...context, store, fallthrough: fetches, pipelines: pipeline, isSynced }, projectSlug, pageOptions),
      // Apart from `project`'s entries: here a project the store lacks is null, there CircleCI is asked.
      storedProject: fromStore<string, StoredProject | null>({
        kind: "storedProject",
        idOf: projectKey,
        tagsOf: (slug) => [tags.project(projectKey(slug))],
        readStore: async (slugs) => (await store.getProjects(slugs.map(projectKey))).map((project) => project ?? null),
      }),
      storedProjects: (): Promise<StoredProject[]> =>
        cachedRead("projectListing", (projects) => [tags.projectListing, ...projects.map(({ slug }) => tags.project(slug))], () => store.listProjects(), tracker),
      board: fromStore<BoardScope, BoardIndexEntry[]>({
        kind: "board",
        idOf: ({ projectSlug, branch }) => `${projectKey(projectSlug)}\u0000${branch}`,
        tagsOf: ({ projectSlug, branch }) => [tags.board(projectKey(projectSlug), branch)],
        readStore: (scopes) => store.getBoards(scopes),
      }),
      boardBranches: fromStore<string, string[]>({
        kind: "boardBranches",
        idOf: projectKey,
        tagsOf: (slug) => [tags.boardBranches(projectKey(slug))],
        readStore: (slugs) => store.getBoardBranches(slugs),
      }),
      pendingApprovals: fromStore<string, PendingApprovalRecord[]>({
        kind: "pendingApprovals",
        idOf: projectKey,
        tagsOf: (slug) => [tags.pendingApprovals(projectKey(slug))],
        readStore: (slugs) => store.getPendingApprovals(slugs),
      }),
      contexts: (): Promise<StoredContext[]> => cachedRead("contexts", () => [tags.contexts], () => store.listContexts(), tracker),
      syncStatus: () => syncStatus(tracker),
    };
  }

  return {
    forRequest,
    get stats() {
      return copyStats(stats);
    },
    drain: () => fallthrough.drain(),
    async close() {
      for (const stop of stopFollowing) stop();
      await fallthrough.drain();
    },
  };
}

/** The store's answer with the cache off: it holds none of the keys. */
function nothingStored<K, V>(keys: readonly K[]): Promise<(V | undefined)[]> {
  return Promise.resolve(keys.map(() => undefined));
}
