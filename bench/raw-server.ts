/**
 * Forked by `scenarios/raw-bytes.ts`: a plain `node:http` server that reads each request's body and answers it with
 * the bytes the runner sent, as the gateway's answer cache answers a hit (same headers). The ceiling of serving a
 * kept answer on this machine: no routing, no auth, no GraphQL.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

const startMessage = z.object({ type: z.literal("serve"), bytes: z.string() });

process.once("message", (raw: unknown) => {
  const body = Buffer.from(startMessage.parse(raw).bytes, "utf8");
  const headers = { "content-type": "application/json; charset=utf-8", "content-length": body.length, "cache-control": "no-store" };
  const server = createServer((request, response) => {
    request.resume();
    request.once("end", () => {
      response.writeHead(200, headers);
      response.end(body);
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    process.send?.({ type: "ready", url: `http://127.0.0.1:${port}/graphql` });
  });
  process.once("message", () => server.close(() => process.exit(0)));
});
