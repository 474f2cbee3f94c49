import type { Server } from "node:http";
import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import type { GraphQLWebSocket } from "./websocket.js";

/**
 * What `ApolloServer.stop()` drains, in parallel: the HTTP server stops accepting and finishes its in-flight
 * requests, and the WebSocket clients are closed with 1001 (going away) so they reconnect elsewhere. Every
 * connection still open after `gracePeriodMs`, upgraded ones included, is cut: that also ends the wait for a
 * WebSocket client that never answers the close handshake (ws itself would wait 30 s).
 */
export function drainPlugins(httpServer: Server, webSocket: GraphQLWebSocket, gracePeriodMs: number): ApolloServerPlugin[] {
  return [
    ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: gracePeriodMs }),
    {
      async serverWillStart() {
        return { drainServer: () => webSocket.dispose() };
      },
    },
  ];
}
