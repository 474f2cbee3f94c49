import { CircleCIClient } from "../circleci/index.js";
import type { CircleCIClientOptions } from "../circleci/index.js";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { createStore, MemoryEventBus, RedisEventBus } from "../store/index.js";
import type { ChangeEvent, EventBus, Store } from "../store/index.js";
import { LocalInvalidations } from "../store/invalidations.js";
import type { Invalidations } from "../store/invalidations.js";
import { tags } from "../store/tags.js";

/** The parts every command shares, built from the settings: the CircleCI client, the store and the event bus. */
export interface Runtime {
  client: CircleCIClient;
  store: Store;
  bus: EventBus;
  invalidations: Invalidations;
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
  // Until the store's writer announces every change, the change events stand in for its invalidations.
  const invalidations = new LocalInvalidations();
  void bus.subscribe((event) => invalidations.publish(eventTags(event))).catch(() => undefined);
  return {
    client: circleci,
    store,
    bus,
    invalidations,
    async close() {
      await Promise.allSettled([circleci.close(), store.close(), bus.close()]);
    },
  };
}

function eventTags(event: ChangeEvent): string[] {
  switch (event.type) {
    case "pipeline.created":
      return [tags.pipeline(event.pipeline.id), tags.workflowsOf(event.pipeline.id), tags.pipelineListing(event.projectSlug)];
    case "workflow.status_changed":
      return [tags.workflow(event.workflow.id), tags.workflowsOf(event.workflow.pipeline_id), tags.jobsOf(event.workflow.id)];
    case "job.status_changed":
      return [
        tags.job(event.job.id),
        tags.jobsOf(event.workflowId),
        ...(event.job.job_number == null ? [] : [tags.jobRecord(event.projectSlug, event.job.job_number)]),
      ];
  }
}
