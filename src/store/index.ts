import type { Logger } from "../log.js";
import { LocalInvalidations } from "./invalidations.js";
import type { Invalidations } from "./invalidations.js";
import { MemoryStore } from "./memory-store.js";
import { RedisInvalidations } from "./redis-invalidations.js";
import { RedisStore } from "./redis-store.js";
import type { Store } from "./store.js";

export type {
  ActivePipeline,
  JobKey,
  JobRecord,
  PendingApprovalRecord,
  PipelineListOptions,
  StagedEvents,
  Store,
  StoredContext,
  StoredProject,
  StreamName,
  StreamStatusRecord,
  SyncStatusRecord,
  SyncSummaryRecord,
} from "./store.js";
export type { DocumentRef, StoreWrite, WriteBatch, WriteCondition, WriteOutcome } from "./writes.js";
export { MemoryStore } from "./memory-store.js";
export type { MemoryStoreOptions } from "./memory-store.js";
export { RedisStore } from "./redis-store.js";
export type { RedisStoreOptions } from "./redis-store.js";
export type { ReconnectOptions } from "./redis-connection.js";
export { StoreClosedError, StoreError, StoreUnavailableError, WriteFencedError } from "./errors.js";
export { DEFAULT_PREFIX, keyLayout } from "./keys.js";
export type { KeyLayout, Slot } from "./keys.js";
export { tags } from "./tags.js";
export type { Tag } from "./tags.js";
export { LocalInvalidations } from "./invalidations.js";
export type { InvalidationListener, Invalidations } from "./invalidations.js";
export { RedisInvalidations } from "./redis-invalidations.js";
export type { RedisInvalidationsOptions } from "./redis-invalidations.js";
export { EventBusClosedError, MemoryEventBus } from "./events.js";
export type { ApprovalRequested, ChangeEvent, ChangeListener, DeliveredChangeEvent, EventBus, EventBusOptions, EventEnvelope, Unsubscribe } from "./events.js";
export { RedisEventBus } from "./redis-event-bus.js";
export type { RedisEventBusOptions } from "./redis-event-bus.js";
export { LeaderLockClosedError, LeadershipLostError, LocalLeaderLock, RedisLeaderLock } from "./leader-lock.js";
export type { LeaderLock, RedisLeaderLockOptions } from "./leader-lock.js";

export interface CreateStoreOptions {
  /** `REDIS_URL`. Unset: the embedded `MemoryStore` (one instance only, nothing kept across restarts). */
  redisUrl?: string;
  /** `REDIS_CLUSTER`: `redisUrl` names a Redis Cluster's seed nodes. Default false. */
  cluster?: boolean;
  /** `REDIS_PREFIX`, e.g. `ccgw:`. Only Redis keys carry it. */
  prefix: string;
  logger?: Logger;
}

/** A store and the invalidations of what is written to it, as every instance of the deployment receives them. */
export interface StoreAndInvalidations {
  store: Store;
  invalidations: Invalidations;
}

/**
 * The store the settings ask for, with its invalidations. A `RedisStore` (and the invalidations' subscriber) starts
 * connecting at once, in the background, and does not wait: its first calls wait for the connection, and `ping()`
 * tells when Redis answers (readiness).
 */
export function createStore(options: CreateStoreOptions): StoreAndInvalidations {
  if (options.redisUrl === undefined) {
    const invalidations = new LocalInvalidations();
    return { store: new MemoryStore({ invalidations }), invalidations };
  }
  return {
    store: new RedisStore({ url: options.redisUrl, cluster: options.cluster, prefix: options.prefix, logger: options.logger }),
    invalidations: RedisInvalidations.connect(options.redisUrl, { prefix: options.prefix, cluster: options.cluster, logger: options.logger }),
  };
}
