/**
 * The loader factory: one per process, holding what requests share (the L1, the in-flight CircleCI
 * fetches, the concurrency bound, the stats), and handing each GraphQL request its own `Loaders`
 * (DataLoader caches live exactly as long as the request).
 */
import type { CircleCIClient, WorkflowJob } from "../circleci/index.js";
import { silentLogger } from "../log.js";
import type { Logger } from "../log.js";
import type { ChangeEvent, EventBus, Unsubscribe } from "../store/events.js";
import type { JobKey, JobRecord, Store, StoredContext, SyncStatusRecord } from "../store/store.js";
import { Fallthrough } from "./fallthrough.js";
import type { RequestFallthrough } from "./fallthrough.js";
import { L1Cache, jobKeyId, l1Key, storedJobKey } from "./l1-cache.js";
import type { L1Kind } from "./l1-cache.js";
import type { LayeredContext, LayeredSource } from "./layered-load.js";
import { LayeredLoader } from "./layered-loader.js";
import type { Loaders } from "./loaders.js";
import { loadPipelinePage } from "./pipeline-page.js";
import { copyStats, emptyStats } from "./stats.js";
import type { LoaderStats } from "./stats.js";
import { StoreOutage } from "./store-outage.js";
import { projectKey } from "../project-slug.js";

export interface LoaderFactoryOptions {
  store: Store;
  /** Serves what the store lacks; its rate-limit gate paces every call. */
  client: CircleCIClient;
  /** How long an L1 entry lives, in ms. Default 2000; 0 disables the L1. */
  l1TtlMs?: number;
  /** L1 capacity, in entries (least recently used evicted first). Default 10 000. */
  l1MaxEntries?: number;
  /** CircleCI fetches in flight at once, over all requests. Default 8. */
  concurrency?: number;
  /**
   * The sync's `SYNC_LOOKBACK_HOURS`. Default 6. Pipelines the sync will still read are not written back,
   * so the sync finds them new and publishes their events.
   */
  syncLookbackHours?: number;
  /** Longest one request waits for its CircleCI fetches (`CIRCLECI_READ_TIMEOUT_SECONDS`), in ms. Default 30 000. */
  readTimeoutMs?: number;
  /** Receives failed write-backs. Default: silent. */
  logger?: Logger;
  /**
   * Default true. false turns the cache off, for the benchmarks' passthrough baseline: no L1, no store reads of
   * entities or listings, no write-back; every key goes to CircleCI (still batched, deduplicated and bounded).
   * Contexts and sync status, which only the store holds, are still read from it.
   */
  cache?: boolean;
}

export interface LoaderFactory {
  /** A fresh set of loaders for one GraphQL request. */
  forRequest(): Loaders;
  /** Evicts the L1 entries a change makes stale. */
  invalidate(event: ChangeEvent): void;
  /** Calls `invalidate` for every event the bus carries from now on; stopped by `close`. */
  subscribe(bus: EventBus): Promise<void>;
  /** A copy of the counters so far. */
  readonly stats: LoaderStats;
  /** Resolves once every write-back to the store started so far has finished. */
  drain(): Promise<void>;
  /** Stops the subscriptions and waits for the write-backs; closes neither the store nor the client. */
  close(): Promise<void>;
}

export const DEFAULT_L1_TTL_MS = 2000;
export const DEFAULT_L1_MAX_ENTRIES = 10_000;
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_SYNC_LOOKBACK_HOURS = 6;
export const DEFAULT_READ_TIMEOUT_MS = 30_000;
const HOUR_MS = 3_600_000;

export function createLoaderFactory(options: LoaderFactoryOptions): LoaderFactory {
  const { store, client } = options;
  const cache = options.cache ?? true;
  const l1 = new L1Cache({ ttlMs: cache ? (options.l1TtlMs ?? DEFAULT_L1_TTL_MS) : 0, maxEntries: options.l1MaxEntries ?? DEFAULT_L1_MAX_ENTRIES });
  const stats = emptyStats();
  const logger = (options.logger ?? silentLogger).child({ component: "loaders" });
  const fallthrough = new Fallthrough({
    client,
    store,
    l1,
    stats,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    syncLookbackMs: (options.syncLookbackHours ?? DEFAULT_SYNC_LOOKBACK_HOURS) * HOUR_MS,
    readTimeoutMs: options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS,
    logger,
    writeBack: cache,
  });
  const unsubscribes: Unsubscribe[] = [];
  const outage = new StoreOutage(logger);
  const context: LayeredContext = { l1, stats, outage };

  /** A whole-value read (contexts, sync status) through the L1: the store always has an answer for these. */
  async function cachedRead<T>(kind: L1Kind, read: () => Promise<T>): Promise<T> {
    const key = l1Key(kind, "");
    const hit = l1.get<T>(key);
    if (hit !== undefined) {
      stats.l1.hits += 1;
      return hit.value;
    }
    stats.l1.misses += 1;
    const value = await read();
    stats.store.hits += 1;
    l1.set(key, value);
    return value;
  }

  const syncStatus = (): Promise<SyncStatusRecord> => cachedRead("syncStatus", () => store.getSyncStatus());

  /** Unknown while the store does not answer: then the project is paged from CircleCI. */
  async function isSynced(projectSlug: string): Promise<boolean> {
    if (!cache) return false;
    const streams = (await outage.read(syncStatus, undefined))?.streams ?? [];
    return streams.some((status) => status.stream === "pipelines" && status.projectSlug === projectSlug && status.lastSuccessAt !== undefined);
  }

  function loader<K, V>(source: LayeredSource<K, V>): LayeredLoader<K, V> {
    return new LayeredLoader<K, V>(cache ? source : { ...source, readStore: nothingStored<K, V> }, context);
  }

  function forRequest(): Loaders {
    const fetches: RequestFallthrough = fallthrough.forRequest();
    const byId = (id: string): string => id;
    const pipeline = loader({
      kind: "pipeline",
      idOf: byId,
      readStore: (ids) => store.getPipelines(ids),
      fetch: async (id) => (await fetches.pipelineTree(id)).pipeline,
    });
    return {
      project: loader({
        kind: "project",
        idOf: projectKey,
        readStore: (slugs) => store.getProjects(slugs.map(projectKey)),
        fetch: (slug) => fetches.project(slug),
      }),
      pipeline,
      workflowsOfPipeline: loader({
        kind: "workflowsOf",
        idOf: byId,
        readStore: (ids) => store.getWorkflowsOf(ids),
        fetch: async (id) => (await fetches.pipelineTree(id)).workflows,
      }),
      workflow: loader({
        kind: "workflow",
        idOf: byId,
        readStore: (ids) => store.getWorkflows(ids),
        fetch: async (id) => (await fetches.workflowTree(id)).workflow,
      }),
      job: loader<string, WorkflowJob | null>({
        kind: "job",
        idOf: byId,
        readStore: (ids) => store.getJobs(ids),
        fetch: async () => null,
      }),
      jobsOfWorkflow: loader({ kind: "jobsOf", idOf: byId, readStore: (ids) => store.getJobsOf(ids), fetch: (id) => fetches.jobsOf(id) }),
      jobRecord: loader<JobKey, JobRecord | null>({
        kind: "jobRecord",
        idOf: jobKeyId,
        readStore: (keys) => store.getJobRecords(keys.map(storedJobKey)),
        fetch: (key) => fetches.jobRecord(key),
      }),
      pipelinePage: (projectSlug, pageOptions) =>
        loadPipelinePage({ store, l1, stats, outage, fallthrough: fetches, pipelines: pipeline, isSynced }, projectSlug, pageOptions),
      contexts: (): Promise<StoredContext[]> => cachedRead("contexts", () => store.listContexts()),
      syncStatus,
    };
  }

  return {
    forRequest,
    invalidate: (event) => l1.invalidate(event),
    async subscribe(bus) {
      unsubscribes.push(await bus.subscribe((event) => l1.invalidate(event)));
    },
    get stats() {
      return copyStats(stats);
    },
    drain: () => fallthrough.drain(),
    async close() {
      await Promise.all(unsubscribes.splice(0).map((unsubscribe) => unsubscribe()));
      await fallthrough.drain();
    },
  };
}

/** The store's answer with the cache off: it holds none of the keys. */
function nothingStored<K, V>(keys: readonly K[]): Promise<(V | undefined)[]> {
  return Promise.resolve(keys.map(() => undefined));
}
