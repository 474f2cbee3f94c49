import { CircleCIClient } from "../circleci/index.js";
import type { CircleCIClientOptions } from "../circleci/index.js";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { createStore, MemoryEventBus, RedisEventBus } from "../store/index.js";
import type { EventBus, Invalidations, Store } from "../store/index.js";
import { StoreWriter } from "../writer/index.js";

/**
 * The parts every command shares, built from the settings: the CircleCI client, the store with its invalidations,
 * the event bus, and the one writer of the store.
 */
export interface Runtime {
  client: CircleCIClient;
  /** What the loaders and the sync read. */
  store: Store;
  /** The tags of every write to the store, by any writer on any instance: what the caches evict. */
  invalidations: Invalidations;
  bus: EventBus;
  /** Every write to the store goes through it: the sync's, the webhooks', the read path's. */
  writer: StoreWriter;
  close(): Promise<void>;
}

const HOUR_MS = 3_600_000;

/**
 * Needs a token: `loadConfig` has already refused to start a command that requires one without it.
 * `client` tunes what the settings leave to the client's defaults (timeouts, retries, the breaker).
 */
export function createRuntime(config: Config, logger: Logger, client: Partial<CircleCIClientOptions> = {}): Runtime {
  if (config.circleciToken === undefined) throw new Error("createRuntime needs CIRCLECI_TOKEN (checked by loadConfig)");
  const circleci = new CircleCIClient({
    ...client,
    token: config.circleciToken,
    baseUrl: config.baseUrl,
    concurrency: config.circleciConcurrency,
    requestsPerSecond: config.circleciRequestsPerSecond,
    logger,
  });
  const { store, invalidations } = createStore({ redisUrl: config.redisUrl, cluster: config.redisCluster, prefix: config.redisPrefix, logger });
  const bus =
    config.redisUrl === undefined
      ? new MemoryEventBus({ logger })
      : RedisEventBus.connect(config.redisUrl, { prefix: config.redisPrefix, cluster: config.redisCluster, logger });
  const writer = new StoreWriter({ store, bus, syncLookbackMs: config.syncLookbackHours * HOUR_MS, logger });
  return {
    client: circleci,
    store,
    invalidations,
    bus,
    writer,
    async close() {
      await Promise.allSettled([circleci.close(), store.close(), bus.close(), invalidations.close()]);
    },
  };
}
