/**
 * What the gateway scenarios share: a private redis-server, the simulator (fixed latency, a rate limit), the
 * sync that fills the warm cache (its bus timed, for the subscription scenario), and the dashboard request.
 */
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { CircleCIClient } from "../src/circleci/index.js";
import { startSimulator } from "../src/simulator/index.js";
import type { Simulator } from "../src/simulator/index.js";
import { RedisEventBus } from "../src/store/index.js";
import { RedisStore } from "../src/store/redis-store.js";
import { SyncEngine } from "../src/sync/index.js";
import { StoreWriter } from "../src/writer/index.js";
import { startTestRedis } from "../test/support/redis-server.js";
import type { TestRedis } from "../test/support/redis-server.js";
import { REPO_ROOT } from "./paths.js";
import { startServerProcess } from "./server-process.js";
import type { ServerMode, ServerProcess, ServerProcessOptions } from "./server-process.js";
import type { BenchSettings } from "./settings.js";
import { measureDocumentBytes } from "./scenarios/storage.js";
import type { DocumentBytes } from "./scenarios/storage.js";
import { TimedBus } from "./timed-bus.js";

export const WARM_PREFIX = "bench-warm:";
const LOOKBACK_HOURS = 6;
const DASHBOARD = readFileSync(new URL("test/operations/dashboard.graphql", REPO_ROOT), "utf8");

export interface StartServerOptions {
  /** 0 (the default) executes every answer. */
  answerCacheEntries?: number;
  /** Keys that may run mutations (default none). */
  writeKeys?: readonly string[];
  /** CIRCLECI_PROJECT_SLUGS (default the rig's one project). */
  projectSlugs?: readonly string[];
}

export interface GatewayRig {
  settings: BenchSettings;
  redis: TestRedis;
  sim: Simulator;
  slug: string;
  /** The sync of the warm prefix, publishing through `bus`. */
  engine: SyncEngine;
  /** The warm prefix's store and writer (the sync's), for scenarios that change the store under load. */
  store: RedisStore;
  writer: StoreWriter;
  bus: TimedBus;
  /** The dashboard query and its variables. */
  query: string;
  variables: { projectSlug: string; first: number };
  /** The POST body of one dashboard request. */
  body: string;
  /** A gateway process over the cache under `redisPrefix`. */
  startServer(mode: ServerMode, redisPrefix: string, options?: StartServerOptions): Promise<ServerProcess>;
  /** Redis `used_memory`, in bytes. */
  redisUsedMemory(): Promise<number>;
  /** What the warm prefix holds per pipeline against what CircleCI sent for it. */
  documentBytes(): Promise<DocumentBytes>;
  close(): Promise<void>;
}

export async function startGatewayRig(settings: BenchSettings, serverOptions: ServerProcessOptions): Promise<GatewayRig> {
  const redis = await startTestRedis();
  const { seed, pipelines, historyDays } = settings.world;
  const sim = await startSimulator({
    world: { seed, projects: 1, pipelinesPerProject: pipelines, historyDays },
    pageSize: settings.pageSize,
    latencyMs: settings.latencyMs,
    rateLimit: { requestsPerSecond: settings.gatewayRateLimit },
  });
  const [slug] = [...sim.world.state.projects.keys()];
  if (slug === undefined) throw new Error("the benchmark world has no project");
  const client = new CircleCIClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: settings.gatewayRateLimit });
  const store = new RedisStore({ url: redis.url, prefix: WARM_PREFIX });
  const bus = new TimedBus(RedisEventBus.connect(redis.url, { prefix: WARM_PREFIX }));
  const writer = new StoreWriter({ store, bus });
  const engine = new SyncEngine({
    client,
    store,
    writer,
    projectSlugs: [slug],
    lookbackHours: LOOKBACK_HOURS,
    backfillDays: historyDays + 1,
    now: () => sim.world.state.now,
  });
  const admin = new Redis(redis.url);
  const variables = { projectSlug: slug, first: settings.dashboardFirst };
  return {
    settings,
    redis,
    sim,
    slug,
    engine,
    store,
    writer,
    bus,
    query: DASHBOARD,
    variables,
    body: JSON.stringify({ query: DASHBOARD, variables }),
    startServer: (mode, redisPrefix, { answerCacheEntries = 0, writeKeys = [], projectSlugs = [slug] } = {}) =>
      startServerProcess(
        {
          mode,
          simUrl: sim.url,
          token: sim.token,
          redisUrl: redis.url,
          redisPrefix,
          projectSlugs: [...projectSlugs],
          concurrency: settings.gatewayConcurrency,
          requestsPerSecond: settings.gatewayRateLimit,
          answerCacheEntries,
          writeKeys: [...writeKeys],
        },
        serverOptions,
      ),
    async redisUsedMemory() {
      const info = await admin.info("memory");
      const match = /^used_memory:(\d+)/m.exec(info);
      if (match === null) throw new Error("redis INFO memory has no used_memory line");
      return Number(match[1]);
    },
    documentBytes: () => measureDocumentBytes(admin, WARM_PREFIX, store, { url: sim.url, token: sim.token }, [slug]),
    async close() {
      admin.disconnect();
      await Promise.allSettled([client.close(), bus.close(), store.close()]);
      await sim.stop();
      await redis.stop();
    },
  };
}

/** POSTs the dashboard once: the answer's data and its bytes as served, or an error naming what came back. */
export async function fetchDashboard(url: string, body: string): Promise<{ data: unknown; bytes: Buffer }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const bytes = Buffer.from(await response.arrayBuffer());
  const answer = JSON.parse(bytes.toString("utf8")) as { data?: unknown; errors?: unknown[] };
  if (response.status !== 200 || answer.errors !== undefined || answer.data == null) {
    throw new Error(`the dashboard failed: HTTP ${response.status} ${JSON.stringify(answer).slice(0, 500)}`);
  }
  return { data: answer.data, bytes };
}
