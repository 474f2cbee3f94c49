import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import type { ApolloServerOptions, BaseContext } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import type { RequestHandler } from "express";
import type { GraphQLSchema } from "graphql";
import { silentLogger } from "../log.js";
import type { Logger } from "../log.js";
import { requestTimingPlugin } from "../metrics/index.js";
import type { GatewayMetrics } from "../metrics/index.js";
import { createApiKeyMatcher, requireApiKey } from "./auth.js";
import { healthRoutes } from "./health.js";
import type { ReadinessCheck } from "./health.js";
import { limitRequestSize, requireJsonPost } from "./http-guards.js";
import { createIdeRoutes, DEFAULT_GRAPHQL_IDE } from "./ide/index.js";
import type { GraphqlIde } from "./ide/index.js";
import { BODY_LIMIT_SETTING, DEFAULT_MAX_BODY_BYTES, DEFAULT_QUERY_LIMITS, meterObjectTypes } from "./limits/index.js";
import type { QueryLimits } from "./limits/index.js";
import { queryLimitsPlugin } from "./limits-plugin.js";
import { persistedQueryCache } from "./persisted-queries.js";
import { requestErrorHandler } from "./request-errors.js";
import { drainPlugins } from "./shutdown.js";
import { attachGraphQLWebSocket } from "./websocket.js";

export const GRAPHQL_PATH = "/graphql";
/** Where `subgraphSchema` is served, for a federated gateway. */
export const SUBGRAPH_PATH = "/subgraph";
export const METRICS_PATH = "/metrics";

export interface GatewayServerOptions<TContext extends BaseContext> {
  /** Its object types are made to count the objects each operation produces, for the actual cost (`meterObjectTypes`). */
  schema: GraphQLSchema;
  /**
   * An Apollo Federation subgraph schema (`_service`, `_entities`) served over HTTP at `/subgraph`, for a
   * federated gateway to compose and query; kept apart from `/graphql` so that endpoint's schema stays the
   * product's own (with its Subscription root, which a subgraph leaves out). Default: no `/subgraph`.
   */
  subgraphSchema?: GraphQLSchema;
  /**
   * Builds the GraphQL context, once per HTTP request and once per WebSocket operation: per-request state (such as
   * DataLoaders, whose caches must not outlive a request) is made here.
   */
  context: () => TContext | Promise<TContext>;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 4000; 0 picks a free port (see `url` after `listen`). */
  port?: number;
  /** Whether the schema can be introspected (Sandbox and codegen need it). Default true. */
  introspection?: boolean;
  /** What a browser GET of `/graphql` shows, and whether `/graphiql` is served (not when `off`). Default `sandbox`. */
  ide?: GraphqlIde;
  /**
   * Routes that authenticate their own requests, mounted before GraphQL and before anything that asks for an API
   * key: CircleCI's webhook cannot send a key, its HMAC signature is its auth. Each route parses its own body.
   * Default: none.
   */
  selfAuthenticatedRoutes?: RequestHandler;
  /** Answers `GET /readyz`. Default: ready as soon as the server listens. */
  readiness?: ReadinessCheck;
  /** How long `close` waits for in-flight requests and WebSocket clients before cutting them. Default 10 000 ms. */
  gracePeriodMs?: number;
  logger?: Logger;
  /**
   * When non-empty, `/graphql`, `/subgraph` and every WebSocket `connection_init` need `Authorization: Bearer <key>`
   * with one of these keys (`/healthz` and `/readyz` stay open for probes). Default: no authentication.
   */
  apiKeys?: readonly string[];
  /**
   * Served at `GET /metrics` (Prometheus text; behind the API key when keys are set, as scrapers can send one),
   * and told how long each GraphQL request over HTTP took. Default: no `/metrics`.
   */
  metrics?: Pick<GatewayMetrics, "contentType" | "render" | "observeRequest">;
  /** Apollo's `formatError`, for both `/graphql` and `/subgraph`: e.g. codes for upstream failures. Default: Apollo's. */
  formatError?: ApolloServerOptions<TContext>["formatError"];
  /**
   * Bounds on every operation, over HTTP (`/graphql` and `/subgraph`) and WebSocket, checked before it runs (the
   * cost also while it runs: the objects it produces); a refusal is a `QUERY_TOO_COMPLEX` (or `BATCH_TOO_LARGE`)
   * GraphQL error naming the limit, and every answer carries `extensions.cost`. Default: `DEFAULT_QUERY_LIMITS` for
   * each limit not given.
   */
  limits?: Partial<QueryLimits>;
  /** Largest HTTP body (and WebSocket message) read; a larger body is answered 413 unread. Default `DEFAULT_MAX_BODY_BYTES` (100 KiB). */
  maxBodyBytes?: number;
  /** Query text kept for automatic persisted queries, per endpoint. Default `DEFAULT_PERSISTED_QUERY_CACHE_BYTES`. */
  persistedQueryCacheBytes?: number;
}

export interface GatewayServer {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`; throws `GatewayServerNotListeningError` before `listen` resolved. */
  readonly url: string;
  /** Starts Apollo and listens; resolves with `url`. */
  listen(): Promise<string>;
  /**
   * Stops accepting, lets in-flight HTTP requests finish, closes WebSocket clients with 1001 (going away), within
   * the grace period. Safe to call more than once, and before `listen`.
   */
  close(): Promise<void>;
}

export class GatewayServerNotListeningError extends Error {
  override readonly name = "GatewayServerNotListeningError";

  constructor() {
    super("the gateway server is not listening: await listen() first");
  }
}

/**
 * The gateway's HTTP surface on one port: GraphQL over HTTP (`POST`/`GET /graphql`; a browser's GET gets the IDE
 * that `ide` names, and GraphiQL is at `/graphiql`), GraphQL over WebSocket on the same path
 * (`graphql-transport-ws`), `/healthz` + `/readyz`, and, when a `subgraphSchema` is given, the federation subgraph
 * at `POST /subgraph`.
 * Apollo's CSRF prevention stays on: a GET needs an `Apollo-Require-Preflight` or `X-Apollo-Operation-Name`
 * header, and a POST must be `Content-Type: application/json` (415 otherwise). Query limits, automatic persisted
 * queries and batched requests (a JSON array, up to `limits.maxBatch` operations) apply on both HTTP endpoints.
 */
export function createGatewayServer<TContext extends BaseContext>(options: GatewayServerOptions<TContext>): GatewayServer {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 4000;
  const gracePeriodMs = options.gracePeriodMs ?? 10_000;
  const logger = (options.logger ?? silentLogger).child({ component: "server" });
  const limits: QueryLimits = { ...DEFAULT_QUERY_LIMITS, ...options.limits };
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  meterObjectTypes(options.schema);
  if (options.subgraphSchema !== undefined) meterObjectTypes(options.subgraphSchema);

  const app = express();
  app.disable("x-powered-by");
  const httpServer = createServer(app);
  const matchApiKey = options.apiKeys?.length ? createApiKeyMatcher(options.apiKeys) : undefined;
  const ideRoutes = createIdeRoutes({ ide: options.ide ?? DEFAULT_GRAPHQL_IDE, graphqlPath: GRAPHQL_PATH, apiKeyRequired: matchApiKey !== undefined });
  const webSocket = attachGraphQLWebSocket({
    httpServer,
    path: GRAPHQL_PATH,
    schema: options.schema,
    context: options.context,
    logger,
    matchApiKey,
    limits,
    maxMessageBytes: maxBodyBytes,
  });
  const apollo = new ApolloServer<TContext>({
    schema: options.schema,
    introspection: options.introspection ?? true,
    // Stack traces name internal files; the log has them.
    includeStacktraceInErrorResponses: false,
    formatError: options.formatError,
    // The command owns SIGINT/SIGTERM: it stops the sync and the store too, in order.
    stopOnTerminationSignals: false,
    // Apollo's cache-control plugin runs a hook on every resolved field (a large share of a dashboard's CPU) to
    // compute a header from cache hints this schema never sets: its answer is always no-store, set below instead.
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      // A browser's GET never reaches Apollo: the IDE routes answer it.
      ApolloServerPluginLandingPageDisabled(),
      queryLimitsPlugin(limits),
      ...drainPlugins(httpServer, webSocket, gracePeriodMs),
      ...(options.metrics === undefined ? [] : [requestTimingPlugin<TContext>(options.metrics)]),
    ],
    // Dashboards may batch their polls; `limitRequestSize` bounds the batch, which Apollo does not.
    allowBatchedHttpRequests: true,
    persistedQueries: { cache: persistedQueryCache(options.persistedQueryCacheBytes) },
    logger,
  });
  // `introspection` cannot hide the subgraph's SDL: a gateway composes from `_service { sdl }`, an ordinary field.
  const subgraph =
    options.subgraphSchema === undefined
      ? undefined
      : new ApolloServer<TContext>({
          schema: options.subgraphSchema,
          introspection: options.introspection ?? true,
          includeStacktraceInErrorResponses: false,
          formatError: options.formatError,
          stopOnTerminationSignals: false,
          // Inline traces feed Apollo Studio, which this service does not report to.
          plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled(), queryLimitsPlugin(limits)],
          persistedQueries: { cache: persistedQueryCache(options.persistedQueryCacheBytes) },
          logger,
        });

  let url: string | undefined;
  let listening: Promise<string> | undefined;
  let closing: Promise<void> | undefined;

  /** A failed start releases what it took, so `close` has nothing left to do for it. */
  async function start(): Promise<string> {
    try {
      await apollo.start();
    } catch (error) {
      await webSocket.dispose();
      throw error;
    }
    try {
      await subgraph?.start();
    } catch (error) {
      await apollo.stop();
      throw error;
    }
    const context = async (): Promise<TContext> => options.context();
    app.use(healthRoutes(options.readiness ?? (async () => ({ ready: true }))));
    app.use(ideRoutes);
    if (matchApiKey !== undefined) app.use([GRAPHQL_PATH, SUBGRAPH_PATH, METRICS_PATH], requireApiKey(matchApiKey, logger));
    if (options.selfAuthenticatedRoutes !== undefined) app.use(options.selfAuthenticatedRoutes);
    if (options.metrics !== undefined) app.get(METRICS_PATH, metricsRoute(options.metrics));
    const body = [requireJsonPost(), express.json({ limit: maxBodyBytes }), limitRequestSize(limits)];
    app.use(GRAPHQL_PATH, noStore, ...body, expressMiddleware(apollo, { context }));
    if (subgraph !== undefined) app.use(SUBGRAPH_PATH, ...body, expressMiddleware(subgraph, { context }));
    app.use(requestErrorHandler(logger, { bodyLimitSetting: BODY_LIMIT_SETTING }));
    try {
      await listenOn(httpServer, port, host);
    } catch (error) {
      await stopApollo();
      throw error;
    }
    url = graphqlUrl(httpServer.address() as AddressInfo);
    return url;
  }

  /** The main server drains the HTTP server and the WebSocket clients; the subgraph server only has to stop. */
  async function stopApollo(): Promise<void> {
    await Promise.all([apollo.stop(), subgraph?.stop()]);
  }

  function listen(): Promise<string> {
    listening ??= start();
    return listening;
  }

  async function close(): Promise<void> {
    closing ??= (async () => {
      if (listening === undefined) return webSocket.dispose();
      const listened = await listening.then(
        () => true,
        () => false,
      );
      if (listened) await stopApollo();
    })();
    await closing;
  }

  return {
    get url() {
      if (url === undefined) throw new GatewayServerNotListeningError();
      return url;
    },
    listen,
    close,
  };
}

function metricsRoute(metrics: Pick<GatewayMetrics, "contentType" | "render">): RequestHandler {
  return async (_request, response, next) => {
    try {
      const text = await metrics.render();
      response.type(metrics.contentType).send(text);
    } catch (error) {
      next(error);
    }
  };
}

function listenOn(httpServer: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(port, host, () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
}

function graphqlUrl(address: AddressInfo): string {
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}${GRAPHQL_PATH}`;
}

/** Answers hold live, per-deployment data: no shared cache may keep them. */
const noStore: RequestHandler = (_request, response, next) => {
  response.setHeader("cache-control", "no-store");
  next();
};
