import { getEventListeners, setMaxListeners } from "node:events";
import { isIP } from "node:net";
import { createPubSub } from "@graphql-yoga/subscription";
import { ActionService } from "../actions/index.js";
import type { Config } from "../config.js";
import { createLoaderFactory } from "../loaders/index.js";
import type { LoaderFactory } from "../loaders/index.js";
import type { Logger } from "../log.js";
import { createGatewayMetrics, timeRootResolvers } from "../metrics/index.js";
import { buildFederatedSubgraphSchema, buildGatewaySchema } from "../resolvers/build-schema.js";
import { CHANGE_TOPICS, forwardChangeEvents } from "../resolvers/change-topics.js";
import { gatewayErrorCode } from "../resolvers/errors.js";
import type { GatewayContext } from "../resolvers/context.js";
import { ideNotice } from "../server/ide/index.js";
import { appOriginOf, boardEntryOfIndex } from "../answers/index.js";
import { ConfiguredProjects } from "../project-slug.js";
import { loadStatusBoard } from "../loaders/status-board.js";
import { ccTrayRoute } from "../server/cctray-route.js";
import { createGatewayServer, storeReadiness } from "../server/index.js";
import type { GatewayServer } from "../server/index.js";
import type { Unsubscribe } from "../store/index.js";
import { circleciWebhookRouter } from "../webhooks/route.js";
import { createRuntime } from "./runtime.js";
import type { Runtime } from "./runtime.js";
import { startBackgroundSync } from "./sync.js";
import type { Print, SyncLoop } from "./sync.js";

export interface ServeHandle {
  /** The GraphQL endpoint (HTTP and WebSocket); the federation subgraph is at `/subgraph` on the same origin. */
  readonly url: string;
  /**
   * Drains the server (in-flight requests finish, WebSocket clients are closed with 1001) while the sync stops at
   * a safe point and releases its lease; then closes the bus, the store and the CircleCI client.
   */
  stop(): Promise<void>;
  /** Subscription operations listening now (listeners on the change topics); back to 0 once their clients leave. */
  subscriberCount(): number;
}

/** What `startServe` builds from the settings unless it is given them. */
export interface ServeParts {
  /** Default: built from the settings. Tests pass their own to read its counters (the store's round trips). */
  runtime?: Runtime;
  /** Default: the cached read path over the runtime; the benchmarks pass their baselines' read paths. */
  loaders?: LoaderFactory;
  /** Every caller may run mutations without a write key: the demo's, whose CircleCI is the simulator. Default false. */
  actionsWithoutKey?: boolean;
}

/**
 * `circleci-gateway serve`: the GraphQL gateway on `HOST`:`PORT`, and the background sync unless
 * `SYNC_INTERVAL_SECONDS=0` (then this instance serves what another one syncs into the shared Redis). Every change
 * event on the bus, whoever published it, reaches this instance's subscribers and evicts its stale L1 entries.
 * The runtime and the loaders, given or built, are owned from then on: `stop` closes them.
 */
export async function startServe(config: Config, logger: Logger, print: Print, parts: ServeParts = {}): Promise<ServeHandle> {
  const runtime = parts.runtime ?? createRuntime(config, logger);
  const loaders = parts.loaders ?? cachedLoaders(config, runtime, logger);
  const projectSlugs = config.projectSlugs ?? [];
  const actions = new ActionService({
    client: runtime.client,
    store: runtime.store,
    writer: runtime.writer,
    invalidations: runtime.invalidations,
    loaders,
    projectSlugs,
    concurrency: config.circleciConcurrency,
    logger,
  });
  /** How the feed names projects: as configured, as the GraphQL answers do. */
  const configured = new ConfiguredProjects(projectSlugs);
  let stopForwarding: Unsubscribe | undefined;
  let server: GatewayServer | undefined;
  let sync: SyncLoop | undefined;

  async function stop(): Promise<void> {
    await Promise.all([server?.close(), sync?.stop()]);
    await actions.close();
    await stopForwarding?.();
    await loaders.close();
    await runtime.close();
  }

  // Our own target, not the PubSub's hidden default, so the handle can count its listeners.
  const topics = new EventTarget();
  const subscriberCount = () => listenerCount(topics, Object.values(CHANGE_TOPICS));
  const metrics = createGatewayMetrics({
    circleci: () => runtime.client.stats,
    loaders: () => loaders.stats,
    activeSubscriptions: subscriberCount,
    isLeader: () => sync?.isLeader,
    writer: () => runtime.writer.stats,
    answerCache: () => server?.answerCacheStats,
    actions: () => actions.stats,
  });
  // One listener per subscription operation: hundreds are normal, not a leak (Node warns past 10).
  setMaxListeners(0, topics);
  let url: string;
  try {
    const pubSub = createPubSub({ eventTarget: topics });
    // Live before the server listens: a subscriber never misses an event published after it connected.
    stopForwarding = await forwardChangeEvents(runtime.bus, pubSub);
    const schema = await buildGatewaySchema({ pubSub });
    timeRootResolvers(schema, metrics);
    server = createGatewayServer<GatewayContext>({
      schema,
      subgraphSchema: await buildFederatedSubgraphSchema(),
      context: ({ tracker, caller }) => ({ loaders: loaders.forRequest({ tracker }), projectSlugs, actions: actions.forCaller(caller) }),
      host: config.host,
      port: config.port,
      introspection: config.graphqlIntrospection,
      ide: config.graphqlIde,
      readiness: storeReadiness(runtime.store),
      routes: [
        ccTrayRoute({
          appOrigin: appOriginOf(config.baseUrl),
          // As a GraphQL request does: after the barrier, so the feed is never older than a write already made.
          board: async ({ projectSlugs: requested, branch }) => {
            await runtime.invalidations.barrier();
            const entries = await loadStatusBoard(loaders.forRequest(), { projectSlugs: requested.length === 0 ? undefined : requested, branch });
            return entries.map((entry) => ({ ...boardEntryOfIndex(entry), projectSlug: configured.spelling(entry.projectSlug) }));
          },
        }),
      ],
      selfAuthenticatedRoutes:
        config.webhookSecret === undefined
          ? undefined
          : circleciWebhookRouter({ secret: config.webhookSecret, writer: runtime.writer, logger }),
      logger,
      apiKeys: config.gatewayApiKeys,
      writeKeys: config.gatewayWriteKeys,
      writeWithoutKey: parts.actionsWithoutKey,
      onActionRefused: (caller, fields) => actions.refused(caller, fields),
      metrics,
      errorCode: gatewayErrorCode,
      limits: {
        maxDepth: config.graphqlMaxDepth,
        maxAliases: config.graphqlMaxAliases,
        maxCost: config.graphqlMaxCost,
        maxTokens: config.graphqlMaxTokens,
        maxBatch: config.graphqlMaxBatch,
      },
      maxBodyBytes: config.httpMaxBodyBytes,
      invalidations: runtime.invalidations,
      answerCacheEntries: config.graphqlAnswerCacheEntries,
    });
    url = await server.listen();
  } catch (error) {
    await stop();
    throw explainListenFailure(error, config);
  }

  // First: what a person opens in a browser.
  print(`Status page: ${new URL("/status", url).href} (the status board and approvals, live)`);
  print(`GraphQL: ${url} (HTTP and WebSocket)`);
  print(ideNotice(config.graphqlIde, url));
  if (config.syncIntervalSeconds === 0) {
    print(
      config.redisUrl === undefined
        ? "sync: off (SYNC_INTERVAL_SECONDS=0) with the embedded store: every query goes to CircleCI, and /readyz stays 503."
        : "sync: off (SYNC_INTERVAL_SECONDS=0): serving what another instance syncs into the store.",
    );
  } else {
    sync = startBackgroundSync(config, runtime, logger, print, (report) => metrics.observeCycle(report));
    print(`sync: a cycle every ${config.syncIntervalSeconds} s while this instance is the leader; Ctrl-C stops.`);
  }
  if (config.gatewayApiKeys.length === 0) print(unauthenticatedNotice(config.host));
  print(actionsNotice(config.gatewayWriteKeys.length, parts.actionsWithoutKey === true));
  return { url, stop, subscriberCount };
}

function cachedLoaders(config: Config, runtime: Runtime, logger: Logger): LoaderFactory {
  return createLoaderFactory({
    store: runtime.store,
    client: runtime.client,
    writer: runtime.writer,
    invalidations: runtime.invalidations,
    concurrency: config.circleciConcurrency,
    readTimeoutMs: config.circleciReadTimeoutSeconds * 1000,
    logger,
  });
}

/** Said at start-up when no API key is set: louder when the gateway listens beyond this machine. */
export function unauthenticatedNotice(host: string): string {
  return isLoopbackHost(host)
    ? `auth: none (GATEWAY_API_KEYS is not set): unauthenticated, reachable only from this machine (${host}).`
    : `auth: none (GATEWAY_API_KEYS is not set): unauthenticated on ${host}, so anyone who can reach it can query it; set GATEWAY_API_KEYS.`;
}

/** Said at start-up: who may act on CircleCI through this instance. */
export function actionsNotice(writeKeys: number, withoutKey: boolean): string {
  if (withoutKey) return "actions: mutations need no key here (the demo's CircleCI is the simulator).";
  if (writeKeys === 0) return "actions: off (GATEWAY_WRITE_KEYS is not set): mutations are refused.";
  return `actions: mutations need one of the ${writeKeys} key${writeKeys === 1 ? "" : "s"} in GATEWAY_WRITE_KEYS.`;
}

function isLoopbackHost(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

function listenerCount(target: EventTarget, types: readonly string[]): number {
  return types.reduce((count, type) => count + getEventListeners(target, type).length, 0);
}

/** The listen errors a setting causes, as a line that names the setting; any other error as it is. */
export function explainListenFailure(error: unknown, config: Pick<Config, "host" | "port">): unknown {
  const address = `${config.host}:${config.port}`;
  switch ((error as NodeJS.ErrnoException).code) {
    case "EADDRINUSE":
      return new Error(`Cannot listen on ${address}: the port is in use; stop what listens there or set PORT (--port) to a free port.`);
    case "EACCES":
      return new Error(`Cannot listen on ${address}: permission denied; ports below 1024 need privileges, set PORT (--port) to 1024 or above.`);
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return new Error(`Cannot listen on ${address}: no such address on this machine; set HOST (--host), e.g. 127.0.0.1 or 0.0.0.0.`);
    default:
      return error;
  }
}
