import { CircleCIClient } from "../circleci/index.js";
import type { CircleCIClientOptions } from "../circleci/index.js";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { createStore, MemoryEventBus, RedisEventBus } from "../store/index.js";
import type { EventBus, Store } from "../store/index.js";
import type { Invalidations } from "../store/invalidations.js";

/** The parts every command shares, built from the settings: the CircleCI client, the store and the event bus. */
export interface Runtime {
  client: CircleCIClient;
  store: Store;
  bus: EventBus;
  /**
   * What the store's writes make stale, as this instance hears it. Absent while the store announces none: then
   * nothing would ever evict a cached answer, so `serve` keeps none whatever GRAPHQL_ANSWER_CACHE_ENTRIES says.
   */
  invalidations?: Invalidations;
  close(): Promise<void>;
}

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
  const store = createStore({ redisUrl: config.redisUrl, prefix: config.redisPrefix, logger });
  const bus =
    config.redisUrl === undefined
      ? new MemoryEventBus({ logger })
      : RedisEventBus.connect(config.redisUrl, { prefix: config.redisPrefix, logger });
  return {
    client: circleci,
    store,
    bus,
    async close() {
      await Promise.allSettled([circleci.close(), store.close(), bus.close()]);
    },
  };
}
