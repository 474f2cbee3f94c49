import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Logger } from "../log.js";
import { costMeterOf, prepareOperation } from "./limits/index.js";
import type { QueryLimits } from "./limits/index.js";
import { authenticate, webSocketAuthorization } from "./auth.js";
import type { ApiKeyMatcher } from "./auth.js";

/** graphql-ws returns 4403 Forbidden for a refused `connection_init`; a missing or wrong key is 4401 by its convention. */
const UNAUTHORIZED_CLOSE_CODE = 4401;

export interface GraphQLWebSocketOptions<TContext extends object> {
  httpServer: Server;
  /** The same path as GraphQL over HTTP, so one URL serves queries and subscriptions. */
  path: string;
  schema: GraphQLSchema;
  /** Called once per operation (not per connection), so every subscription gets its own loaders. */
  context: () => TContext | Promise<TContext>;
  logger: Logger;
  /** When given, a `connection_init` without a matching key is closed with 4401 Unauthorized. Default: no check. */
  matchApiKey?: ApiKeyMatcher;
  /** Checked on every `subscribe` message before it runs, as over HTTP. */
  limits: QueryLimits;
  /** Largest message accepted; a larger one closes the connection with 1009 (message too big). */
  maxMessageBytes: number;
}

export interface GraphQLWebSocket {
  /** Closes every client with 1001 (going away), stops accepting, and resolves once the clients are gone. */
  dispose(): Promise<void>;
}

/** graphql-ws (subprotocol `graphql-transport-ws`) on the HTTP server's upgrade requests for `path`. */
export function attachGraphQLWebSocket<TContext extends object>(options: GraphQLWebSocketOptions<TContext>): GraphQLWebSocket {
  // noServer: the HTTP server's errors (EADDRINUSE at listen) stay the HTTP server's, not a WebSocket "internal error".
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });
  options.httpServer.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (pathnameOf(request) !== options.path) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    wsServer.handleUpgrade(request, socket, head, (client) => wsServer.emit("connection", client, request));
  });
  const logger = options.logger.child({ component: "graphql-ws" });
  const { matchApiKey, schema, limits } = options;
  const server = useServer(
    {
      schema,
      onConnect:
        matchApiKey === undefined
          ? undefined
          : (ctx) => {
              const outcome = authenticate(webSocketAuthorization(ctx.connectionParams, ctx.extra.request.headers.authorization), matchApiKey);
              if (outcome.ok) return true;
              logger.debug({ failure: outcome.failure }, "WebSocket connection refused: no valid API key");
              // Closed here first: graphql-ws would close with 4403, and ws keeps the first close.
              ctx.extra.socket.close(UNAUTHORIZED_CLOSE_CODE, "Unauthorized");
              return false;
            },
      onSubscribe: async (_ctx, _id, payload) => {
        const prepared = prepareOperation(schema, payload, limits);
        if (!("meter" in prepared)) return prepared;
        const { args, meter } = prepared;
        const contextValue = await options.context();
        meter.attachTo(contextValue);
        return { ...args, contextValue };
      },
      // Each `next` reports its own execution: a query's one result, or one event of a subscription.
      onNext: (_ctx, _id, _payload, args, result) => {
        const meter = costMeterOf(args.contextValue);
        return meter === undefined ? undefined : { ...result, extensions: { ...result.extensions, cost: meter.settle() } };
      },
      onError: (_ctx, id, _payload, errors) => {
        logger.debug({ operationId: id, errors: errors.map((error) => error.message) }, "WebSocket operation refused");
      },
    },
    wsServer,
  );
  return {
    async dispose() {
      await server.dispose();
    },
  };
}

function pathnameOf(request: IncomingMessage): string {
  return new URL(request.url ?? "/", "http://localhost").pathname;
}
