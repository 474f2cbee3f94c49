import type { Logger } from "../log.js";
import { MemoryStore } from "./memory-store.js";
import { RedisStore } from "./redis-store.js";
import type { Store } from "./store.js";

export type {
  ActivePipeline,
  JobKey,
  JobRecord,
  PipelineListOptions,
  Store,
  StoredContext,
  StoredProject,
  StreamName,
  StreamStatusRecord,
  SyncStatusRecord,
  SyncSummaryRecord,
} from "./store.js";
export { MemoryStore } from "./memory-store.js";
export { RedisStore } from "./redis-store.js";
export type { RedisStoreOptions } from "./redis-store.js";
export type { ReconnectOptions } from "./redis-connection.js";
export { StoreClosedError, StoreError, StoreUnavailableError } from "./errors.js";
export { DEFAULT_PREFIX, keyLayout } from "./keys.js";
export { EventBusClosedError, MemoryEventBus } from "./events.js";
export type { ChangeEvent, ChangeListener, DeliveredChangeEvent, EventBus, EventBusOptions, EventEnvelope, Unsubscribe } from "./events.js";
export { publishStaged, stagedBatchId, writeAndPublish } from "./outbox.js";
export { RedisEventBus } from "./redis-event-bus.js";
export type { RedisEventBusOptions } from "./redis-event-bus.js";
export { LeaderLockClosedError, LeadershipLostError, LocalLeaderLock, RedisLeaderLock } from "./leader-lock.js";
export type { LeaderLock, RedisLeaderLockOptions } from "./leader-lock.js";
export type { KeyLayout } from "./keys.js";

export interface CreateStoreOptions {
  /** `REDIS_URL`. Unset: the embedded `MemoryStore` (one instance only, nothing kept across restarts). */
  redisUrl?: string;
  /** `REDIS_PREFIX`, e.g. `ccgw:`. Only Redis keys carry it. */
  prefix: string;
  logger?: Logger;
}

/**
 * The store the settings ask for. A `RedisStore` starts connecting at once, in the background, and does not
 * wait: its first calls wait for the connection, and `ping()` tells when Redis answers (readiness).
 */
export function createStore(options: CreateStoreOptions): Store {
  if (options.redisUrl === undefined) return new MemoryStore();
  return new RedisStore({ url: options.redisUrl, prefix: options.prefix, logger: options.logger });
}
