import { buildSchema } from "graphql";
import { afterEach, describe, expect, it } from "vitest";
import { buildFederatedSubgraphSchema } from "../../src/resolvers/build-schema.js";
import { createGatewayServer } from "../../src/server/index.js";
import { answerOf } from "../support/answer.js";
import type { GatewayServer, GatewayServerOptions } from "../../src/server/index.js";

const productSchema = buildSchema("type Query { hello: String }");
let server: GatewayServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function listen(options: Partial<GatewayServerOptions<object>>): Promise<string> {
  server = createGatewayServer({ schema: productSchema, context: () => ({}), port: 0, ...options });
  return new URL(await server.listen()).origin;
}

async function post(url: string, query: string): Promise<{ status: number; body: { data?: unknown; errors?: { message: string }[] } }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as { data?: unknown; errors?: { message: string }[] } };
}

describe("POST /subgraph", () => {
  it("is not served without a subgraphSchema", async () => {
    const origin = await listen({});
    expect((await post(`${origin}/subgraph`, "{ _service { sdl } }")).status).toBe(404);
  });

  it("serves the subgraph schema beside /graphql; with introspection off, its SDL still reaches a router", async () => {
    const origin = await listen({ subgraphSchema: await buildFederatedSubgraphSchema(), introspection: false });
    expect((await post(`${origin}/graphql`, "{ hello }")).body).toEqual(answerOf({ hello: null }));

    const service = await post(`${origin}/subgraph`, "{ _service { sdl } }");
    expect(service.status).toBe(200);
    expect((service.body.data as { _service: { sdl: string } })._service.sdl).toMatch(/type Project\b[^{]*@key\(fields: "slug"\)/);

    const introspection = await post(`${origin}/subgraph`, "{ __schema { queryType { name } } }");
    expect(introspection.status).toBe(400);
    expect(introspection.body.errors?.[0]?.message).toMatch(/introspection is not allowed/i);
  });
});
