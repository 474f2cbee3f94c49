import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach } from "vitest";
import { CircleCIClient } from "../../../src/circleci/index.js";
import type { CircleCIClientOptions } from "../../../src/circleci/index.js";
import type { Logger } from "../../../src/log.js";

/** A request as the fake server saw it, with its arrival time and the server's load at that moment. */
export interface SeenRequest {
  /** The raw request target, exactly as sent (path + query, not decoded). */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  receivedAt: number;
  /** Requests in flight on the server when this one arrived, itself included. */
  inFlight: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void | Promise<void>;

export interface FakeCircleCI {
  url: string;
  requests: SeenRequest[];
  maxInFlight(): number;
  /** TCP connections accepted so far: keep-alive reuse shows as fewer connections than requests. */
  connections(): number;
  close(): Promise<void>;
}

/** A tiny CircleCI stand-in on 127.0.0.1:0 whose every answer the test scripts. */
export async function startFakeCircleCI(handler: Handler): Promise<FakeCircleCI> {
  const requests: SeenRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => {
      inFlight -= 1;
    });
    const url = req.url ?? "/";
    const parsed = new URL(url, "http://127.0.0.1");
    const seen: SeenRequest = {
      url,
      path: parsed.pathname,
      query: parsed.searchParams,
      headers: req.headers,
      receivedAt: Date.now(),
      inFlight,
    };
    requests.push(seen);
    // A handler bug must show up as a dropped connection, not as a request that hangs until timeout.
    new Promise<void>((resolve) => resolve(handler(req, res, seen))).catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  let connections = 0;
  server.on("connection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    maxInFlight: () => maxInFlight,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A real pino logger at debug level whose output the test can read back. */
export function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return { logger: pino({ level: "debug" }, sink), lines };
}

/** A token in the real personal-token format, so redaction is tested on what users have. */
export const TOKEN = "CCIPAT_4XaSecretTokenBody9zQ_0123456789abcdef0123456789abcdef01234567";

/** Fast retries so failure paths finish in milliseconds. */
export const fastRetry = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

export type FakeCircleCISetUpOptions = Partial<CircleCIClientOptions> & {
  /** Appended to the fake server's URL to form the client's base URL. */
  baseSuffix?: string;
};

export type FakeCircleCISetUp = (
  handler: Handler,
  options?: FakeCircleCISetUpOptions,
) => Promise<{ server: FakeCircleCI; client: CircleCIClient }>;

/**
 * The per-file fixture: call once at the top of a test file. Registers an afterEach that closes the
 * client and the fake server, and returns `setUp`, which starts a fake CircleCI with `handler` and a
 * client against it (fast retries, then `defaults`, then the per-test `options`).
 */
export function useFakeCircleCI(defaults: Partial<CircleCIClientOptions> = {}): FakeCircleCISetUp {
  let server: FakeCircleCI | undefined;
  let client: CircleCIClient | undefined;

  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
  });

  return async (handler, { baseSuffix = "", ...options } = {}) => {
    server = await startFakeCircleCI(handler);
    client = new CircleCIClient({ token: TOKEN, baseUrl: server.url + baseSuffix, retry: fastRetry, ...defaults, ...options });
    return { server, client };
  };
}
