import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import type { RequestHandler } from "express";
import type { GraphQLSchema } from "graphql";
import { silentLogger } from "../log.js";
import type { Logger } from "../log.js";
import { requestTiming } from "../metrics/index.js";
import type { GatewayMetrics } from "../metrics/index.js";
import { AnswerCache, createOperationPipeline, INTERNAL_ERROR_MESSAGE, INTERNAL_SERVER_ERROR } from "../operation/index.js";
import type { AnswerCacheStats, ErrorCoder, ExecutionScope, OperationPlugin } from "../operation/index.js";
import type { Invalidations } from "../store/invalidations.js";
import { actionPermission } from "./action-permission.js";
import type { ActionPermissionOptions } from "./action-permission.js";
import { createAuthenticator, refuseUnauthenticated, requireApiKey } from "./auth.js";
import type { KeySchemes } from "./auth.js";
import { trackConnections } from "./drain.js";
import { healthRoutes } from "./health.js";
import type { ReadinessCheck } from "./health.js";
import { graphqlOverHttp } from "./http-graphql.js";
import type { GraphQLOverHttp } from "./http-graphql.js";
import { sendError } from "./http-responses.js";
import { createIdeRoutes, DEFAULT_GRAPHQL_IDE } from "./ide/index.js";
import { createStatusPageRoutes } from "./status-page/index.js";
import type { GraphqlIde } from "./ide/index.js";
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_QUERY_LIMITS, meterObjectTypes } from "./limits/index.js";
import type { QueryLimits } from "./limits/index.js";
import { queryLimits } from "./limits-plugin.js";
import { requestErrorHandler } from "./request-errors.js";
import { attachGraphQLWebSocket } from "./websocket.js";

export const GRAPHQL_PATH = "/graphql";
/** Where `subgraphSchema` is served, for a federated gateway. */
export const SUBGRAPH_PATH = "/subgraph";
export const METRICS_PATH = "/metrics";

/** A page or endpoint beside GraphQL (a status page, an IDE's assets), behind the API key when keys are set. */
export interface GatewayRoute {
  /** Mounted here, as express's `app.use(path, handler)`. */
  path: string;
  handler: RequestHandler;
  /** How it takes the API key. Default `bearer`; `bearer-or-basic` for a feed that build monitors poll. */
  keySchemes?: KeySchemes;
}

export interface GatewayServerOptions<TContext> {
  /** Its object types are made to count the objects each operation produces, for the actual cost (`meterObjectTypes`). */
  schema: GraphQLSchema;
  /**
   * An Apollo Federation subgraph schema (`_service`, `_entities`) served over HTTP at `/subgraph`, for a
   * federated gateway to compose and query; kept apart from `/graphql` so that endpoint's schema stays the
   * product's own (with its Subscription root, which a subgraph leaves out). Default: no `/subgraph`.
   */
  subgraphSchema?: GraphQLSchema;
  /**
   * Builds the GraphQL context of one execution: each HTTP operation (each of a batch) and each WebSocket operation.
   * Per-request state (such as DataLoaders, whose caches must not outlive a request) is made here; `tracker` is
   * where the execution's reads report what they depend on.
   */
  context: (scope: ExecutionScope) => TContext | Promise<TContext>;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 4000; 0 picks a free port (see `url` after `listen`). */
  port?: number;
  /** Whether the schema can be introspected (Sandbox and codegen need it). Default true. */
  introspection?: boolean;
  /** What a browser GET of `/graphql` shows, and whether `/graphiql` is served (not when `off`). Default `sandbox`. */
  ide?: GraphqlIde;
  /** Pages and endpoints beside GraphQL, behind the API key when keys are set. Default: none. */
  routes?: readonly GatewayRoute[];
  /**
   * Routes that authenticate their own requests, mounted before anything that asks for an API key: CircleCI's
   * webhook cannot send a key, its HMAC signature is its auth. Each route parses its own body. Default: none.
   */
  selfAuthenticatedRoutes?: RequestHandler;
  /** Answers `GET /readyz`. Default: ready as soon as the server listens. */
  readiness?: ReadinessCheck;
  /** How long `close` waits for in-flight requests and WebSocket clients before cutting them. Default 10 000 ms. */
  gracePeriodMs?: number;
  logger?: Logger;
  /**
   * When non-empty, `/graphql`, `/subgraph`, `/metrics`, `routes` and every WebSocket `connection_init` need
   * `Authorization: Bearer <key>` with one of these keys (`/healthz` and `/readyz` stay open for probes). Each key is
   * a caller scope of its own. Default: no authentication.
   */
  apiKeys?: readonly string[];
  /**
   * Keys that may also run mutations (`GATEWAY_WRITE_KEYS`); they read too. A mutation from any other caller is
   * refused, FORBIDDEN, before it executes. With write keys but no `apiKeys`, reads need no key. Default: none, so
   * mutations are off.
   */
  writeKeys?: readonly string[];
  /** Every admitted caller may run mutations without a write key (the demo: its CircleCI is a simulator). Default false. */
  writeWithoutKey?: boolean;
  /** Told of each mutation refused for want of a write key. */
  onActionRefused?: ActionPermissionOptions["onRefused"];
  /**
   * Served at `GET /metrics` (Prometheus text; behind the API key when keys are set, as scrapers can send one),
   * and told how long each GraphQL operation took. Default: no `/metrics`.
   */
  metrics?: Pick<GatewayMetrics, "contentType" | "render" | "observeRequest">;
  /** Codes for errors resolvers throw that carry none (e.g. CircleCI failing); other unexpected errors are masked. */
  errorCode?: ErrorCoder;
  /**
   * Bounds on every operation, over HTTP (`/graphql` and `/subgraph`) and WebSocket, checked before it runs; a
   * refusal is a `QUERY_TOO_COMPLEX` (or `BATCH_TOO_LARGE`) GraphQL error naming the limit. Default:
   * `DEFAULT_QUERY_LIMITS` for each limit not given.
   */
  limits?: Partial<QueryLimits>;
  /** Further stages of every operation, after the limits (e.g. a cost meter). Default: none. */
  plugins?: readonly OperationPlugin<TContext>[];
  /** Largest HTTP body (and WebSocket message) read; a larger body is answered 413 unread. Default `DEFAULT_MAX_BODY_BYTES` (100 KiB). */
  maxBodyBytes?: number;
  /** Query text kept for automatic persisted queries, per endpoint. Default `DEFAULT_PERSISTED_QUERY_CACHE_BYTES`. */
  persistedQueryCacheBytes?: number;
  /**
   * What writes make stale, as this instance hears it: each request awaits its barrier before it reads a cache,
   * and the answer cache evicts by it. Default: none (then there can be no answer cache).
   */
  invalidations?: Invalidations;
  /** Whole answers of queries kept in memory (`GRAPHQL_ANSWER_CACHE_ENTRIES`); 0 keeps none. Default 0. */
  answerCacheEntries?: number;
  /** Bytes of answers kept, whatever their number. Default `DEFAULT_ANSWER_CACHE_BYTES`. */
  answerCacheBytes?: number;
}

export interface GatewayServer {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`; throws `GatewayServerNotListeningError` before `listen` resolved. */
  readonly url: string;
  /** The answer cache's counters; undefined without one. */
  readonly answerCacheStats: AnswerCacheStats | undefined;
  /** Listens; resolves with `url`. */
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

export class AnswerCacheWithoutInvalidationsError extends Error {
  override readonly name = "AnswerCacheWithoutInvalidationsError";

  constructor() {
    super("an answer cache needs invalidations (nothing else would ever evict its answers): pass `invalidations`, or set answerCacheEntries to 0");
  }
}

/**
 * The gateway's HTTP surface on one port: GraphQL over HTTP (`POST`/`GET /graphql`; a browser's GET gets the IDE
 * that `ide` names, and GraphiQL is at `/graphiql`), GraphQL over WebSocket on the same path (`graphql-transport-ws`), `/healthz` + `/readyz`, `/metrics`, and,
 * when a `subgraphSchema` is given, the federation subgraph at `/subgraph`. Both schemas run the same operation
 * pipeline (limits, persisted queries, the answer cache, error codes, timing); GraphQL requests are answered on
 * Node's own HTTP server, everything else by express.
 */
export function createGatewayServer<TContext extends object>(options: GatewayServerOptions<TContext>): GatewayServer {
  meterObjectTypes(options.schema);
  if (options.subgraphSchema !== undefined) meterObjectTypes(options.subgraphSchema);
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 4000;
  const gracePeriodMs = options.gracePeriodMs ?? 10_000;
  const logger = (options.logger ?? silentLogger).child({ component: "server" });
  const limits: QueryLimits = { ...DEFAULT_QUERY_LIMITS, ...options.limits };
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const keys = { read: options.apiKeys ?? [], write: options.writeKeys ?? [], writeWithoutKey: options.writeWithoutKey };
  const authenticate = createAuthenticator(keys);
  // The pages hold no data: they are served without the key, which a browser could not send for them.
  const apiKeyRequired = keys.read.length + keys.write.length > 0;
  const ideRoutes = createIdeRoutes({ ide: options.ide ?? DEFAULT_GRAPHQL_IDE, graphqlPath: GRAPHQL_PATH, apiKeyRequired });
  const statusPage = createStatusPageRoutes({ graphqlPath: GRAPHQL_PATH, apiKeyRequired });
  const { invalidations } = options;
  if ((options.answerCacheEntries ?? 0) > 0 && invalidations === undefined) throw new AnswerCacheWithoutInvalidationsError();
  const answerCache =
    invalidations === undefined || (options.answerCacheEntries ?? 0) === 0
      ? undefined
      : new AnswerCache({ invalidations, maxEntries: options.answerCacheEntries ?? 0, maxBytes: options.answerCacheBytes });
  const plugins: OperationPlugin<TContext>[] = [
    // First: a caller who may not act learns nothing of the mutation's cost either.
    actionPermission({ writeKeysConfigured: keys.write.length > 0, onRefused: options.onActionRefused }),
    queryLimits(limits),
    ...(options.metrics === undefined ? [] : [requestTiming<TContext>(options.metrics)]),
    ...(options.plugins ?? []),
  ];
  const pipelineFor = (name: string, schema: GraphQLSchema) =>
    createOperationPipeline<TContext>({
      name,
      schema,
      context: options.context,
      introspection: options.introspection,
      plugins,
      errorCode: options.errorCode,
      invalidations,
      answerCache,
      persistedQueryCacheBytes: options.persistedQueryCacheBytes,
      logger,
    });
  const graphql = pipelineFor("graphql", options.schema);
  const endpoints = new Map<string, GraphQLOverHttp>([
    [GRAPHQL_PATH, graphqlOverHttp({ pipeline: graphql, path: GRAPHQL_PATH, limits, maxBodyBytes })],
  ]);
  // `introspection` cannot hide the subgraph's SDL: a router composes from `_service { sdl }`, an ordinary field.
  if (options.subgraphSchema !== undefined) {
    endpoints.set(SUBGRAPH_PATH, graphqlOverHttp({ pipeline: pipelineFor("subgraph", options.subgraphSchema), path: SUBGRAPH_PATH, limits, maxBodyBytes }));
  }

  const app = express();
  app.disable("x-powered-by");
  app.use(healthRoutes(options.readiness ?? (async () => ({ ready: true }))));
  if (options.selfAuthenticatedRoutes !== undefined) app.use(options.selfAuthenticatedRoutes);
  const guard = requireApiKey(authenticate, logger);
  if (options.metrics !== undefined) app.get(METRICS_PATH, guard, metricsRoute(options.metrics));
  const basicGuard = requireApiKey(authenticate, logger, "bearer-or-basic");
  for (const route of options.routes ?? []) app.use(route.path, route.keySchemes === "bearer-or-basic" ? basicGuard : guard, route.handler);
  app.use(requestErrorHandler(logger));

  const httpServer: Server = createServer((request, response) => dispatch(request, response));
  const connections = trackConnections(httpServer);
  const webSocket = attachGraphQLWebSocket({ httpServer, path: GRAPHQL_PATH, pipeline: graphql, authenticate, logger, maxMessageBytes: maxBodyBytes });

  /** GraphQL first and without express in the way: an answer from the answer cache costs little more than its bytes. */
  function dispatch(request: IncomingMessage, response: ServerResponse): void {
    if (connections.draining) response.shouldKeepAlive = false;
    ideRoutes(request, response, () => statusPage(request, response, () => dispatchData(request, response)));
  }

  function dispatchData(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url ?? "/";
    const query = url.indexOf("?");
    const endpoint = endpoints.get(query === -1 ? url : url.slice(0, query));
    if (endpoint === undefined) {
      app(request, response);
      return;
    }
    const outcome = authenticate(request.headers.authorization);
    if (!outcome.ok) {
      refuseUnauthenticated(request, response, outcome.failure, logger);
      return;
    }
    endpoint(request, response, outcome.caller).catch((error: unknown) => {
      logger.error({ err: error }, "a GraphQL request failed");
      if (!response.headersSent) sendError(response, 500, INTERNAL_ERROR_MESSAGE, INTERNAL_SERVER_ERROR);
      else response.destroy();
    });
  }

  let url: string | undefined;
  let listening: Promise<string> | undefined;
  let closing: Promise<void> | undefined;

  async function start(): Promise<string> {
    await listenOn(httpServer, port, host);
    url = graphqlUrl(httpServer.address() as AddressInfo);
    return url;
  }

  function listen(): Promise<string> {
    listening ??= start();
    return listening;
  }

  async function close(): Promise<void> {
    closing ??= (async () => {
      const listened = listening !== undefined && (await listening.then(() => true, () => false));
      if (listened) await connections.drain(gracePeriodMs, () => webSocket.dispose());
      else await webSocket.dispose();
      answerCache?.close();
    })();
    await closing;
  }

  return {
    get url() {
      if (url === undefined) throw new GatewayServerNotListeningError();
      return url;
    },
    get answerCacheStats() {
      return answerCache?.stats;
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
