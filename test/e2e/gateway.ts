import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import type { CircleCIClient, CircleCIClientOptions } from "../../src/circleci/index.js";
import { createRuntime } from "../../src/commands/runtime.js";
import { startServe } from "../../src/commands/serve.js";
import type { ServeHandle } from "../../src/commands/serve.js";
import { loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import type { Logger } from "../../src/log.js";
import type { Simulator } from "../../src/simulator/index.js";
import { RedisStore } from "../../src/store/index.js";
import { waitFor } from "../server/wait-for.js";

/** `serve` in-process against the simulator and a private Redis, with the store in reach for its round trips. */
export interface Gateway extends ServeHandle {
  readonly store: RedisStore;
  readonly client: CircleCIClient;
  /** The lines `serve` printed so far. */
  readonly lines: string[];
}

export interface GatewayOptions {
  sim: Simulator;
  redisUrl: string;
  /** A prefix no other gateway of the run uses: a fresh prefix is a cold cache. */
  redisPrefix: string;
  projectSlugs: readonly string[];
  /** 0: no sync, every read the cache lacks goes to CircleCI. */
  syncIntervalSeconds: number;
  /** The organization whose contexts the sync reads. Default: none (no contexts). */
  orgId?: string;
  /** Client options the settings do not cover (timeouts, retries, the circuit breaker). */
  client?: Partial<CircleCIClientOptions>;
  /** Default 15 (the setting's default); fault tests shorten it so that leadership moves within a test. */
  syncLeaderTtlSeconds?: number;
  /** Default: silent. */
  logger?: Logger;
  /** Further settings, by environment variable (e.g. `GRAPHQL_MAX_COST`). */
  settings?: Readonly<Record<string, string>>;
}

const CYCLE_DONE = /^sync cycle done: /;

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = loadConfig("serve", {
    env: {
      CIRCLECI_TOKEN: options.sim.token,
      CIRCLECI_BASE_URL: options.sim.url,
      CIRCLECI_PROJECT_SLUGS: options.projectSlugs.join(","),
      CIRCLECI_REQUESTS_PER_SECOND: "1000",
      REDIS_URL: options.redisUrl,
      REDIS_PREFIX: options.redisPrefix,
      PORT: "0",
      SYNC_INTERVAL_SECONDS: String(options.syncIntervalSeconds),
      ...(options.orgId === undefined ? {} : { CIRCLECI_ORG_ID: options.orgId }),
      ...(options.syncLeaderTtlSeconds === undefined ? {} : { SYNC_LEADER_TTL_SECONDS: String(options.syncLeaderTtlSeconds) }),
      ...options.settings,
    },
  });
  const logger = options.logger ?? silentLogger;
  const runtime = createRuntime(config, logger, options.client);
  if (!(runtime.store instanceof RedisStore)) throw new Error("a gateway with REDIS_URL runs on a RedisStore");
  const lines: string[] = [];
  const handle = await startServe(config, logger, (line) => lines.push(line), runtime);
  return { ...handle, store: runtime.store, client: runtime.client, lines };
}

/** Resolves once the gateway's background sync has completed a cycle. */
export function firstSyncCycle(gateway: Gateway): Promise<void> {
  return waitFor("the first sync cycle", () => gateway.lines.some((line) => CYCLE_DONE.test(line)), 30_000);
}

export interface GraphQLResponse<TData> {
  status: number;
  body: { data?: TData | null; errors?: GraphQLErrorBody[]; extensions?: { cost?: { requested: number; actual?: number; maximum: number } } };
}

export interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; limit?: string };
}

/** POSTs a raw request body to the gateway, as a client that may get it wrong would. */
export async function postBody<TData = unknown>(url: string, body: unknown): Promise<GraphQLResponse<TData>> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as GraphQLResponse<TData>["body"] };
}

/** Sends a typed document (test/generated/) over HTTP: the result is typed by the operation. */
export function execute<TData, TVariables>(
  url: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<GraphQLResponse<TData>> {
  return postBody<TData>(url, { query: print(document), variables });
}

/** The data of a request that must succeed. */
export async function dataOf<TData, TVariables>(url: string, document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<TData> {
  const { status, body } = await execute(url, document, variables);
  if (status !== 200 || body.errors !== undefined || body.data == null) {
    throw new Error(`expected data, got HTTP ${status}: ${JSON.stringify(body)}`);
  }
  return body.data;
}
