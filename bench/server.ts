/**
 * The gateway under test, forked by `server-process.ts`: the product's `serve` over the simulator and Redis, with
 * the read path of the wanted mode and the sync off (the runner syncs, so the load measures serving alone).
 */
import { createRuntime } from "../src/commands/runtime.js";
import { startServe } from "../src/commands/serve.js";
import type { Runtime } from "../src/commands/runtime.js";
import { loadConfig } from "../src/config.js";
import type { Config } from "../src/config.js";
import { createLoaderFactory } from "../src/loaders/index.js";
import type { LoaderFactory } from "../src/loaders/index.js";
import { silentLogger } from "../src/log.js";
import { RedisStore } from "../src/store/index.js";
import { createNaiveLoaderFactory } from "./naive-loaders.js";
import { serverSpecSchema, SPEC_VARIABLE } from "./server-process.js";
import type { RunnerMessage, ServerMessage, ServerSpec } from "./server-process.js";

function reply(message: ServerMessage): void {
  process.send?.(message);
}

function loadersFor(spec: ServerSpec, config: Config, runtime: Runtime): LoaderFactory | undefined {
  const options = { store: runtime.store, client: runtime.client, writer: runtime.writer, invalidations: runtime.invalidations, concurrency: config.circleciConcurrency };
  switch (spec.mode) {
    case "cached":
      return undefined;
    case "passthrough":
      return createLoaderFactory({ ...options, cache: false });
    case "naive":
      return createNaiveLoaderFactory(options);
  }
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function main(): Promise<void> {
  const spec = serverSpecSchema.parse(JSON.parse(process.env[SPEC_VARIABLE] ?? "null"));
  const { config } = loadConfig("serve", {
    env: {
      CIRCLECI_TOKEN: spec.token,
      CIRCLECI_BASE_URL: spec.simUrl,
      CIRCLECI_PROJECT_SLUGS: spec.projectSlugs.join(","),
      CIRCLECI_CONCURRENCY: String(spec.concurrency),
      CIRCLECI_REQUESTS_PER_SECOND: String(spec.requestsPerSecond),
      REDIS_URL: spec.redisUrl,
      REDIS_PREFIX: spec.redisPrefix,
      PORT: "0",
      SYNC_INTERVAL_SECONDS: "0",
      GRAPHQL_ANSWER_CACHE_ENTRIES: String(spec.answerCacheEntries),
    },
  });
  const runtime = createRuntime(config, silentLogger);
  const store = runtime.store;
  if (!(store instanceof RedisStore)) throw new Error("the benchmark gateway runs on Redis: REDIS_URL is set");
  const handle = await startServe(config, silentLogger, () => undefined, runtime, loadersFor(spec, config, runtime));

  process.on("message", (message: RunnerMessage) => {
    if (message.type === "stats") {
      reply({
        type: "stats",
        stats: { redisRoundTrips: store.roundTrips, rssBytes: process.memoryUsage().rss, cpuMicros: cpuMicros(), subscribers: handle.subscriberCount() },
      });
    } else {
      void handle.stop().then(() => process.exit(0));
    }
  });
  reply({ type: "ready", url: handle.url });
}

main().catch((error: unknown) => {
  reply({ type: "failed", message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
