import { connect, createServer } from "node:net";
import type { AddressInfo, Socket } from "node:net";
import { Router } from "express";
import { createClient } from "graphql-ws";
import type { Client } from "graphql-ws";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { AnswerCacheWithoutInvalidationsError, createGatewayServer, GatewayServerNotListeningError } from "../../src/server/index.js";
import type { ReadinessCheck } from "../../src/server/index.js";
import { answerOf } from "../support/answer.js";
import { createTinySchema } from "./tiny-schema.js";
import { useTinyServers } from "./tiny-server.js";
import { waitFor } from "./wait-for.js";

const JSON_HEADERS = { "content-type": "application/json" };
const { startServer, track } = useTinyServers();

function post(url: string, query: string): Promise<Response> {
  return fetch(url, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify({ query }) });
}

function wsClient(url: string): { client: Client; closeCodes: number[] } {
  const closeCodes: number[] = [];
  const client = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    on: { closed: (event) => void closeCodes.push((event as { code: number }).code) },
  });
  track(client);
  return { client, closeCodes };
}

/** Every value of one subscription, and how it ended. */
function subscribe(client: Client, query: string) {
  const values: unknown[] = [];
  const ended: { error?: unknown; complete?: true } = {};
  client.subscribe<Record<string, unknown>>(
    { query },
    {
      next: (result) => void values.push(result.data ?? result.errors),
      error: (error) => void (ended.error = error),
      complete: () => void (ended.complete = true),
    },
  );
  return { values, ended };
}

/** A WebSocket client that completes the upgrade and then never reads or answers anything. */
async function rawWebSocketUpgrade(origin: string): Promise<Socket> {
  const { hostname, port } = new URL(origin);
  // Half-open allowed: it does not even close when the server ends its side.
  const socket = connect({ port: Number(port), host: hostname, allowHalfOpen: true });
  socket.write(
    "GET /graphql HTTP/1.1\r\n" +
      `Host: ${hostname}:${port}\r\n` +
      "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
      "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n",
  );
  const response = await new Promise<string>((resolve) => socket.once("data", (chunk: Buffer) => resolve(chunk.toString())));
  expect(response).toMatch(/^HTTP\/1\.1 101 /);
  // Reads (so it notices being cut) but never answers.
  socket.on("data", () => undefined);
  return socket;
}

describe("health", () => {
  it("GET /healthz answers 200 once the server listens", async () => {
    const { origin } = await startServer();
    const response = await fetch(`${origin}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("GET /readyz follows the readiness check: 503 with its reason, 200 once ready, 503 when the check throws", async () => {
    let check: ReadinessCheck = async () => ({ ready: false, reason: "no sync cycle has completed yet" });
    const { origin } = await startServer({ readiness: () => check() });

    const notReady = await fetch(`${origin}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: "not ready", reason: "no sync cycle has completed yet" });

    check = async () => ({ ready: true });
    const ready = await fetch(`${origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });

    check = async () => {
      throw new Error("connection refused");
    };
    const failing = await fetch(`${origin}/readyz`);
    expect(failing.status).toBe(503);
    expect(await failing.json()).toEqual({ status: "not ready", reason: "the readiness check failed: connection refused" });
  });
});

describe("GraphQL over HTTP", () => {
  it("answers POST /graphql, with a fresh context per request", async () => {
    const { url } = await startServer();
    const first = await post(url, "{ hello contextId }");
    const second = await post(url, "{ contextId }");
    expect(first.status).toBe(200);
    const firstBody = (await first.json()) as { data: { hello: string; contextId: number } };
    const secondBody = (await second.json()) as { data: { contextId: number } };
    expect(firstBody.data.hello).toBe("world");
    expect(secondBody.data.contextId).not.toBe(firstBody.data.contextId);
  });

  it("marks every answer uncacheable for shared caches (Cache-Control: no-store)", async () => {
    const { url } = await startServer();
    expect((await post(url, "{ hello }")).headers.get("cache-control")).toBe("no-store");
  });

  it("refuses a GET without a preflight-forcing header (CSRF prevention) and a POST that is not JSON", async () => {
    const { url } = await startServer();
    const getUrl = `${url}?query=${encodeURIComponent("{ hello }")}`;

    const plainGet = await fetch(getUrl);
    expect(plainGet.status).toBe(400);
    expect(await plainGet.text()).toMatch(/CSRF/);
    const textPost = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ query: "{ hello }" }) });
    expect(textPost.status).toBe(415);

    const preflightedGet = await fetch(getUrl, { headers: { "apollo-require-preflight": "true" } });
    expect(preflightedGet.status).toBe(200);
    expect(await preflightedGet.json()).toEqual(answerOf({ hello: "world" }));
  });

  it("answers a malformed or oversized body with a JSON error, not a stack trace", async () => {
    const { url } = await startServer();
    const malformed = await fetch(url, { method: "POST", headers: JSON_HEADERS, body: "{ query: " });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({
      errors: [{ message: expect.stringMatching(/^malformed JSON body: .*JSON at position/), extensions: { code: "BAD_REQUEST" } }],
    });

    const padded = `{ hello ${" ".repeat(200_000)}}`;
    const oversized = await post(url, padded);
    expect(oversized.status).toBe(413);
    const bytes = Buffer.byteLength(JSON.stringify({ query: padded }));
    expect(await oversized.json()).toEqual({
      errors: [{ message: `request body of ${bytes} bytes exceeds the maximum of 102400 bytes (HTTP_MAX_BODY_BYTES)`, extensions: { code: "PAYLOAD_TOO_LARGE" } }],
    });
  });

  it("shows Apollo Sandbox to a browser GET", async () => {
    const { url } = await startServer();
    const response = await fetch(url, { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/embeddable-sandbox/);
  });

  it("serves the routes it is given beside GraphQL, behind the API key when keys are set", async () => {
    const probe = Router().get("/", (_request, response) => void response.json({ probe: "fine" }));
    const open = await startServer({ routes: [{ path: "/probe", handler: probe }] });
    expect(await (await fetch(`${open.origin}/probe`)).json()).toEqual({ probe: "fine" });

    const key = "route-key-0123456789abcdef";
    const guarded = await startServer({ apiKeys: [key], routes: [{ path: "/probe", handler: probe }] });
    expect((await fetch(`${guarded.origin}/probe`)).status).toBe(401);
    expect((await fetch(`${guarded.origin}/probe`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await fetch(`${guarded.origin}/elsewhere`)).status).toBe(404);
  });

  it("allows introspection by default, and refuses it when turned off", async () => {
    const open = await startServer();
    const openBody = (await (await post(open.url, "{ __schema { queryType { name } } }")).json()) as { data?: unknown };
    expect(openBody.data).toEqual({ __schema: { queryType: { name: "Query" } } });

    const closed = await startServer({ introspection: false });
    const closedBody = (await (await post(closed.url, "{ __schema { queryType { name } } }")).json()) as { errors?: { message: string }[] };
    expect(closedBody.errors?.[0]?.message).toMatch(/introspection is not allowed/i);
  });
});

describe("GraphQL over WebSocket", () => {
  it("delivers subscription events on the same path, in order, with a fresh context per operation", async () => {
    const { url, publishTick, subscribers } = await startServer();
    const { client } = wsClient(url);
    const first = subscribe(client, "subscription { tick }");
    const second = subscribe(client, "subscription { tick }");
    await waitFor("two live subscriptions", () => subscribers() === 2);

    publishTick(1);
    publishTick(2);
    await waitFor("two ticks on each subscription", () => first.values.length === 2 && second.values.length === 2);
    const contextOf = (value: unknown) => (value as { tick: string }).tick.replace(/^\d+ from /, "");
    expect(first.values.map((value) => (value as { tick: string }).tick.split(" ")[0])).toEqual(["1", "2"]);
    expect(new Set(first.values.map(contextOf)).size).toBe(1);
    expect(contextOf(first.values[0])).not.toBe(contextOf(second.values[0]));
  });

  it("refuses a WebSocket upgrade on another path", async () => {
    const { origin } = await startServer();
    const socket = new WebSocket(`${origin.replace(/^http/, "ws")}/elsewhere`, "graphql-transport-ws");
    const status = await new Promise<number | undefined>((resolve) => {
      socket.once("unexpected-response", (_request, response) => resolve(response.statusCode));
      socket.once("error", () => resolve(undefined));
    });
    expect(status).toBe(404);
  });
});

describe("lifecycle", () => {
  it("close lets an in-flight request finish, closes WebSocket clients with 1001 and stops accepting", async () => {
    const { url, origin, server, subscribers, releaseSlow, slowStarted } = await startServer();
    const { client, closeCodes } = wsClient(url);
    const subscription = subscribe(client, "subscription { tick }");
    await waitFor("a live subscription", () => subscribers() === 1);
    const inFlight = post(url, "{ slow }");
    await waitFor("the request to reach its resolver", () => slowStarted() === 1);

    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await waitFor("the listener to stop accepting", async () => !(await fetch(`${origin}/healthz`).then(() => true, () => false)));
    await waitFor("the WebSocket client to be closed", () => closeCodes.length === 1);
    expect(closeCodes).toEqual([1001]);
    expect(subscription.ended.error).toBeDefined();
    expect(closed).toBe(false);

    releaseSlow();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(answerOf({ slow: "finally" }));
    await closing;
    expect(closed).toBe(true);
  });

  it("cuts what is still in flight after the grace period", async () => {
    const { url, server, slowStarted } = await startServer({ gracePeriodMs: 100 });
    const inFlight = post(url, "{ slow }").then(
      () => "answered",
      () => "cut",
    );
    await waitFor("the request to reach its resolver", () => slowStarted() === 1);
    await server.close();
    expect(await inFlight).toBe("cut");
  });

  it("cuts a WebSocket client that ignores the close handshake after the grace period", async () => {
    const { origin, server } = await startServer({ gracePeriodMs: 100 });
    const socket = await rawWebSocketUpgrade(origin);
    const ended = new Promise<void>((resolve) => socket.once("end", () => resolve()));
    // Without the cut, close would wait for ws's own 30 s close timeout (longer than this test may take).
    await server.close();
    await ended;
    socket.destroy();
  });

  it("refuses an answer cache without invalidations: nothing would ever evict its answers", () => {
    const tiny = createTinySchema();
    expect(() => createGatewayServer({ schema: tiny.schema, context: tiny.context, answerCacheEntries: 10 })).toThrow(AnswerCacheWithoutInvalidationsError);
  });

  it("listen rejects when the port is taken, and close afterwards is a no-op", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    try {
      const tiny = createTinySchema();
      const server = createGatewayServer({ schema: tiny.schema, context: tiny.context, port: (blocker.address() as AddressInfo).port });
      await expect(server.listen()).rejects.toThrow(/EADDRINUSE/);
      expect(() => server.url).toThrow(GatewayServerNotListeningError);
      await server.close();
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
