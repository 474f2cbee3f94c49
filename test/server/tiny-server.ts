import type { Client } from "graphql-ws";
import { afterEach } from "vitest";
import { createGatewayServer } from "../../src/server/index.js";
import type { GatewayServer, GatewayServerOptions } from "../../src/server/index.js";
import { createTinySchema } from "./tiny-schema.js";
import type { TinyContext } from "./tiny-schema.js";

/**
 * Gateway servers on the tiny schema, on free ports, closed (with the WebSocket clients a test tracks) after each
 * test. Call at the top level of a test file so the hook is registered; `defaults` apply to every server.
 */
export function useTinyServers(defaults: Partial<GatewayServerOptions<TinyContext>> = {}) {
  const servers: GatewayServer[] = [];
  const clients: Client[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function startServer(options: Partial<GatewayServerOptions<TinyContext>> = {}) {
    const tiny = createTinySchema();
    const server = createGatewayServer({ schema: tiny.schema, context: tiny.context, port: 0, ...defaults, ...options });
    servers.push(server);
    const url = await server.listen();
    return { ...tiny, server, url, origin: new URL(url).origin };
  }

  /** Disposes `client` after the test. */
  function track(client: Client): Client {
    clients.push(client);
    return client;
  }

  return { startServer, track };
}
