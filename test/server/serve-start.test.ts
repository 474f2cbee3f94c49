import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { startServe } from "../../src/commands/serve.js";
import { silentLogger } from "../../src/log.js";
import { useInProcessServe } from "../support/in-process-serve.js";

const gateway = useInProcessServe();
const serveConfig = gateway.config;

describe("startServe", () => {
  it("prints the GraphQL URL and serves until stopped", async () => {
    let url = "";
    await gateway.withServe({}, async (serve, lines) => {
      url = serve.url;
      expect(lines[0]).toBe(`GraphQL: ${serve.url} (HTTP and WebSocket; open it in a browser for Apollo Sandbox)`);
      expect(lines[1]).toMatch(/^sync: off \(SYNC_INTERVAL_SECONDS=0\) with the embedded store/);
      const response = await fetch(serve.url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query":"{ projects { slug name } }"}' });
      const { sim, slug } = gateway;
      const name = sim.world.state.projects.get(slug)?.name;
      expect(await response.json()).toEqual({ data: { projects: [{ slug, name }] } });
    });
    await expect(fetch(url)).rejects.toThrow();
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
