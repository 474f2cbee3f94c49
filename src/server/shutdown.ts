import type { Server } from "node:http";
import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import type { GraphQLWebSocket } from "./websocket.js";

/**
 * What `ApolloServer.stop()` drains, in parallel: the HTTP server stops accepting and finishes its in-flight
 * requests, and the WebSocket clients are closed with 1001 (going away) so they reconnect elsewhere. Whatever is
 * still open after `gracePeriodMs` is cut.
 */
export function drainPlugins(httpServer: Server, webSocket: GraphQLWebSocket, gracePeriodMs: number): ApolloServerPlugin[] {
  return [
    ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: gracePeriodMs }),
    {
      async serverWillStart() {
        return { drainServer: () => disposeWithin(webSocket, gracePeriodMs) };
      },
    },
  ];
}

/** A client that never answers the close handshake would hold `dispose` for ws's own 30 s timeout. */
async function disposeWithin(webSocket: GraphQLWebSocket, gracePeriodMs: number): Promise<void> {
  const deadline = setTimeout(() => {
    for (const client of webSocket.wsServer.clients) client.terminate();
  }, gracePeriodMs);
  try {
    await webSocket.dispose();
  } finally {
    clearTimeout(deadline);
  }
}
