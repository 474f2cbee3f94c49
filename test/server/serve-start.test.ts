import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { startServe } from "../../src/commands/serve.js";
import { silentLogger } from "../../src/log.js";
import { answerOf } from "../support/answer.js";
import { useInProcessServe } from "../support/in-process-serve.js";
import { readOperation } from "./limits/operations.js";

const gateway = useInProcessServe();
const serveConfig = gateway.config;

describe("startServe", () => {
  it("prints the status page first, then the GraphQL URL, and serves until stopped", async () => {
    let url = "";
    await gateway.withServe({}, async (serve, lines) => {
      url = serve.url;
      expect(lines[0]).toBe(`Status page: ${new URL("/status", serve.url).href} (the status board and approvals, live)`);
      expect(lines[1]).toBe(`GraphQL: ${serve.url} (HTTP and WebSocket)`);
      expect(lines[2]).toMatch(/^IDE: open \S+\/graphql in a browser for Apollo Sandbox .* or \S+\/graphiql for GraphiQL \(served by the gateway: works offline\)\.$/);
      expect(lines[3]).toMatch(/^sync: off \(SYNC_INTERVAL_SECONDS=0\) with the embedded store/);
      const response = await fetch(serve.url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query":"{ projects { slug name } }"}' });
      const { sim, slug } = gateway;
      const name = sim.world.state.projects.get(slug)?.name;
      expect(await response.json()).toEqual(answerOf({ projects: [{ slug, name }] }));
    });
    await expect(fetch(url)).rejects.toThrow();
  });

  it("enforces the query and body limits it is configured with, and lets the dashboard through by default", async () => {
    const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    await gateway.withServe({ GRAPHQL_MAX_DEPTH: "2", GRAPHQL_MAX_BATCH: "1", HTTP_MAX_BODY_BYTES: "2048" }, async (limited) => {
      const deep = await post(limited.url, { query: "{ projects { pipelines { nodes { id } } } }" });
      expect(deep.status).toBe(400);
      expect(((await deep.json()) as { errors: { message: string }[] }).errors[0]?.message).toMatch(/^query depth 4 exceeds the maximum of 2 \(GRAPHQL_MAX_DEPTH\)/);
      expect((await post(limited.url, [{ query: "{ projects { slug } }" }, { query: "{ projects { slug } }" }])).status).toBe(400);
      expect((await post(limited.url, { query: "{ projects { slug } }", variables: { padding: "x".repeat(2048) } })).status).toBe(413);
    });

    await gateway.withServe({}, async (defaults) => {
      const dashboard = await post(defaults.url, { query: readOperation("dashboard"), variables: { projectSlug: gateway.slug, first: 100 } });
      expect(dashboard.status).toBe(200);
      const body = (await dashboard.json()) as { data: { pipelines: { nodes: unknown[] } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data.pipelines.nodes).toHaveLength(2);
    });
  });

  it("names the setting when the port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      await expect(startServe(serveConfig({ PORT: String(port) }), silentLogger, () => undefined)).rejects.toThrow(
        `Cannot listen on 127.0.0.1:${port}: the port is in use; stop what listens there or set PORT (--port) to a free port.`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("names the setting when HOST is not an address of this machine", async () => {
    // 192.0.2.0/24 is reserved for documentation: never assigned to a real interface.
    await expect(startServe(serveConfig({ HOST: "192.0.2.1", PORT: "0" }), silentLogger, () => undefined)).rejects.toThrow(/set HOST \(--host\)/);
  });
});
