import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { GraphQLError } from "graphql";
import type { ExecutionArgs, ExecutionResult, FormattedExecutionResult } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Logger } from "../log.js";
import { parseOperationRequest, resultOf } from "../operation/index.js";
import type { Caller, OperationPipeline, PreparedOperation } from "../operation/index.js";
import { webSocketAuthorization } from "./auth.js";
import type { Authenticator } from "./auth.js";

/** graphql-ws returns 4403 Forbidden for a refused `connection_init`; a missing or wrong key is 4401 by its convention. */
const UNAUTHORIZED_CLOSE_CODE = 4401;

export interface GraphQLWebSocketOptions {
  httpServer: Server;
  /** The same path as GraphQL over HTTP, so one URL serves queries and subscriptions. */
  path: string;
  /** Every `subscribe` message is prepared, executed or subscribed by it, as over HTTP. */
  pipeline: OperationPipeline;
  /** Decides each connection's caller at `connection_init`; a refusal closes it with 4401 Unauthorized. */
  authenticate: Authenticator;
  logger: Logger;
  /** Largest message accepted; a larger one closes the connection with 1009 (message too big). */
  maxMessageBytes: number;
}

export interface GraphQLWebSocket {
  /** Closes every client with 1001 (going away), stops accepting, and resolves once the clients are gone. */
  dispose(): Promise<void>;
}

/**
 * graphql-ws (subprotocol `graphql-transport-ws`) on the HTTP server's upgrade requests for `path`: the protocol is
 * graphql-ws's, every operation is the pipeline's. `onSubscribe` prepares it (the persisted query, the barrier, the
 * checks) and hands graphql-ws the document it needs to tell a subscription from a query; `execute` and
 * `subscribe` run the prepared operation, and its results go out as the pipeline formatted them.
 */
export function attachGraphQLWebSocket(options: GraphQLWebSocketOptions): GraphQLWebSocket {
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
  const { pipeline, authenticate } = options;
  const callers = new WeakMap<object, Caller>();
  const prepared = new WeakMap<ExecutionArgs, PreparedOperation>();
  const preparedOf = (args: ExecutionArgs): PreparedOperation => {
    const operation = prepared.get(args);
    if (operation === undefined) throw new Error("graphql-ws executed arguments onSubscribe did not prepare");
    return operation;
  };

  const server = useServer(
    {
      schema: pipeline.schema,
      onConnect: (ctx) => {
        const outcome = authenticate(webSocketAuthorization(ctx.connectionParams, ctx.extra.request.headers.authorization));
        if (outcome.ok) {
          callers.set(ctx, outcome.caller);
          return true;
        }
        logger.debug({ failure: outcome.failure }, "WebSocket connection refused: no valid API key");
        // Closed here first: graphql-ws would close with 4403, and ws keeps the first close.
        ctx.extra.socket.close(UNAUTHORIZED_CLOSE_CODE, "Unauthorized");
        return false;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const caller = callers.get(ctx);
        if (caller === undefined) throw new Error("a subscribe message before the connection was admitted");
        const request = parseOperationRequest(payload);
        if (request instanceof GraphQLError) return [request];
        const preparation = await pipeline.open(caller, "websocket").prepare(request);
        if (!preparation.ready) return preparation.errors;
        const { operation, operationName, variables } = preparation.prepared;
        // contextValue and rootValue present (and unused): graphql-ws then leaves them to the pipeline.
        const args: ExecutionArgs = { schema: pipeline.schema, document: operation.document, operationName, variableValues: variables, contextValue: undefined, rootValue: undefined };
        prepared.set(args, preparation.prepared);
        return args;
      },
      // The pipeline's results are formatted already; `onNext` sends them as they are.
      execute: async (args) => resultOf(await pipeline.execute(preparedOf(args))) as ExecutionResult,
      subscribe: async (args) => (await pipeline.subscribe(preparedOf(args))) as AsyncIterableIterator<ExecutionResult> | ExecutionResult,
      onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
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
