import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloGateway, IntrospectAndCompose } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { createGatewayRuntime } from "@graphql-hive/gateway-runtime";
import { composeServices } from "@theguild/federation-composition";
import { parse } from "graphql";

/** A subgraph a router composes: its name in the supergraph and its GraphQL endpoint. */
export interface SubgraphEndpoint {
  name: string;
  url: string;
}

/** A federation router on 127.0.0.1 serving the supergraph of some subgraphs. */
export interface Router {
  /** The supergraph's GraphQL endpoint. */
  readonly url: string;
  stop(): Promise<void>;
}

/** `@apollo/gateway` in Apollo Server: it composes by introspecting each subgraph's `_service { sdl }` at start. */
export async function startApolloRouter(subgraphs: readonly SubgraphEndpoint[]): Promise<Router> {
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: new IntrospectAndCompose({ subgraphs: [...subgraphs] }) }) });
  const { url } = await startStandaloneServer(server, { listen: { host: "127.0.0.1", port: 0 } });
  return { url, stop: () => server.stop() };
}

/**
 * Hive Gateway (its runtime, in a Node HTTP server, as its CLI runs it) over a supergraph composed by The Guild's
 * federation composition from each subgraph's `_service { sdl }`: the path a Hive deployment takes with a
 * supergraph file built from the subgraphs.
 */
export async function startHiveRouter(subgraphs: readonly SubgraphEndpoint[]): Promise<Router> {
  const services = await Promise.all(subgraphs.map(async ({ name, url }) => ({ name, url, typeDefs: parse(await subgraphSdl(url)) })));
  const composed = composeServices(services);
  if (composed.errors !== undefined) throw new Error(`Hive's composition failed: ${composed.errors.map(({ message }) => message).join("; ")}`);
  // Unmasked, so a failing query shows the router's or the subgraph's own message rather than "Unexpected error".
  const gateway = createGatewayRuntime({ supergraph: composed.supergraphSdl, logging: false, maskedErrors: false });
  const server = createServer(gateway);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${gateway.graphqlEndpoint}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.dispose();
    },
  };
}

async function subgraphSdl(url: string): Promise<string> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ _service { sdl } }" }) });
  const body = (await response.json()) as { data?: { _service: { sdl: string } }; errors?: unknown };
  if (body.data === undefined) throw new Error(`${url} answered no _service { sdl }: ${JSON.stringify(body.errors)}`);
  return body.data._service.sdl;
}
