import { createHash } from "node:crypto";
import { createClient } from "graphql-ws";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { DEFAULT_QUERY_LIMITS } from "../../src/server/limits/index.js";
import { CROWD } from "./tiny-schema.js";
import { useTinyServers } from "./tiny-server.js";
import { waitFor } from "./wait-for.js";

const JSON_HEADERS = { "content-type": "application/json" };
const PREFLIGHT = { "apollo-require-preflight": "true" };
const { startServer, track } = useTinyServers();

interface GraphQLBody {
  data?: unknown;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: { cost?: unknown };
}

async function postJson(url: string, body: unknown): Promise<{ status: number; body: GraphQLBody & GraphQLBody[] }> {
  const response = await fetch(url, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as GraphQLBody & GraphQLBody[] };
}

/** `{ nested { nested { ... hello } } }`: depth `levels + 1`. */
function nestedQuery(levels: number): string {
  return `{ ${"nested { ".repeat(levels)}hello${" }".repeat(levels)} }`;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The `extensions` of an answer to an operation that ran: its estimated and actual cost against the maximum. */
const ran = (requested: number, actual: number, maximum = DEFAULT_QUERY_LIMITS.maxCost) => ({ cost: { requested, actual, maximum } });

describe("query limits over HTTP", () => {
  it("refuse each limit before execution with a 400 that names it; at the limit the query runs", async () => {
    const { url } = await startServer({ limits: { maxDepth: 3, maxAliases: 2, maxCost: 10, maxTokens: 40 } });

    const atDepth = await postJson(url, { query: nestedQuery(2) });
    expect(atDepth).toEqual({ status: 200, body: { data: { nested: { nested: { hello: "world" } } }, extensions: ran(2, 2, 10) } });
    const deep = await postJson(url, { query: nestedQuery(3) });
    expect(deep.status).toBe(400);
    expect(deep.body).toEqual({
      errors: [
        {
          message: "query depth 4 exceeds the maximum of 3 (GRAPHQL_MAX_DEPTH): nest fewer levels, or raise GRAPHQL_MAX_DEPTH",
          extensions: { code: "QUERY_TOO_COMPLEX", limit: "GRAPHQL_MAX_DEPTH", measured: 4, maximum: 3 },
        },
      ],
      // Refused before it ran: the estimate, no actual cost.
      extensions: { cost: { requested: 3, maximum: 10 } },
    });

    const aliases = await postJson(url, { query: "{ a: hello b: hello c: hello }" });
    expect([aliases.status, aliases.body.errors?.[0]?.extensions?.limit, aliases.body.data]).toEqual([400, "GRAPHQL_MAX_ALIASES", undefined]);

    // items(first: 4) { items(first: 2) }: 4 x (1 + 2) = 12 objects.
    const costly = await postJson(url, { query: "query($n: Int) { items(first: $n) { items { hello } } }", variables: { n: 4 } });
    expect([costly.status, costly.body.errors?.[0]?.message]).toEqual([400, expect.stringMatching(/^query cost 12 exceeds the maximum of 10 \(GRAPHQL_MAX_COST\)/)]);
    const cheaper = await postJson(url, { query: "query($n: Int) { items(first: $n) { items { hello } } }", variables: { n: 3 } });
    expect(cheaper.status).toBe(200);

    const long = await postJson(url, { query: `{ hello ${"__typename ".repeat(40)}}` });
    expect([long.status, long.body.errors?.[0]?.message]).toEqual([400, expect.stringMatching(/^query token count 43 exceeds the maximum of 40 \(GRAPHQL_MAX_TOKENS\)/)]);
  });

  it("apply to GET queries too", async () => {
    const { url } = await startServer({ limits: { maxDepth: 2 } });
    const response = await fetch(`${url}?query=${encodeURIComponent(nestedQuery(2))}`, { headers: PREFLIGHT });
    expect(response.status).toBe(400);
    expect(((await response.json()) as GraphQLBody).errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
  });

  it("apply on /subgraph as on /graphql", async () => {
    const { schema } = await startServer();
    const withSubgraph = await startServer({ limits: { maxDepth: 2, maxTokens: 12 }, subgraphSchema: schema });
    const tooLong = await postJson(`${withSubgraph.origin}/subgraph`, { query: `{ ${"hello ".repeat(11)}}` });
    expect([tooLong.status, tooLong.body.errors?.[0]?.extensions?.limit]).toEqual([400, "GRAPHQL_MAX_TOKENS"]);
    const refused = await postJson(`${withSubgraph.origin}/subgraph`, { query: nestedQuery(2) });
    expect([refused.status, refused.body.errors?.[0]?.extensions?.limit]).toEqual([400, "GRAPHQL_MAX_DEPTH"]);
    expect((await postJson(`${withSubgraph.origin}/subgraph`, { query: nestedQuery(1) })).status).toBe(200);
  });
});

describe("the cost of an operation over HTTP", () => {
  it("is in every answer to a measured operation, on /graphql and /subgraph, POST and GET", async () => {
    const { url, origin } = await startServer({ subgraphSchema: (await startServer()).schema });
    const query = "{ items(first: 3) { hello nested { hello } } }";
    for (const target of [url, `${origin}/subgraph`]) {
      expect((await postJson(target, { query })).body).toEqual({ data: { items: Array.from({ length: 3 }, () => ({ hello: "world", nested: { hello: "world" } })) }, extensions: ran(6, 6) });
    }
    const overGet = await fetch(`${url}?query=${encodeURIComponent(query)}`, { headers: PREFLIGHT });
    expect(((await overGet.json()) as GraphQLBody).extensions).toEqual(ran(6, 6));
    // Not measured: a document that does not validate.
    expect((await postJson(url, { query: "{ nope }" })).body.extensions).toBeUndefined();
  });

  it("stops an operation whose data is larger than estimated once it has produced the maximum: the rest fail", async () => {
    const { url } = await startServer({ limits: { maxCost: 20 } });
    const { status, body } = await postJson(url, { query: "{ crowd { hello } }" });
    expect(status).toBe(200);
    const crowd = (body.data as { crowd: unknown[] }).crowd;
    expect(crowd.slice(0, 20)).toEqual(Array.from({ length: 20 }, () => ({ hello: "world" })));
    expect(crowd.slice(20)).toEqual(Array.from({ length: CROWD - 20 }, () => null));
    expect(body.errors?.map((error) => [error.path, error.extensions?.code, error.extensions?.limit])).toEqual(
      Array.from({ length: CROWD - 20 }, (_, index) => [["crowd", 20 + index], "QUERY_TOO_COMPLEX", "GRAPHQL_MAX_COST"]),
    );
    expect(body.errors?.[0]?.message).toMatch(/^query cost passed the maximum of 20 \(GRAPHQL_MAX_COST\) during execution/);
    expect(body.extensions).toEqual({ cost: { requested: 10, actual: 20, maximum: 20 } });
  });
});

describe("batched HTTP requests", () => {
  it("run up to maxBatch operations, each one refused on its own when over a limit", async () => {
    const { url } = await startServer({ limits: { maxBatch: 3, maxDepth: 2 } });
    const { status, body } = await postJson(url, [{ query: "{ hello }" }, { query: nestedQuery(2) }, { query: "{ nested { hello } }" }]);
    expect(status).toBe(400);
    expect(body).toHaveLength(3);
    expect(body[0]).toEqual({ data: { hello: "world" }, extensions: ran(0, 0) });
    expect(body[1]?.errors?.[0]?.extensions?.limit).toBe("GRAPHQL_MAX_DEPTH");
    expect(body[2]).toEqual({ data: { nested: { hello: "world" } }, extensions: ran(1, 1) });
  });

  it("refuse a batch over maxBatch whole, before any operation runs", async () => {
    const { url, mutations } = await startServer({ limits: { maxBatch: 3 } });
    const { status, body } = await postJson(url, Array.from({ length: 4 }, () => ({ query: "mutation { touch }" })));
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      {
        message: "batch size 4 exceeds the maximum of 3 (GRAPHQL_MAX_BATCH): send fewer operations per request, or raise GRAPHQL_MAX_BATCH",
        extensions: { code: "BATCH_TOO_LARGE", limit: "GRAPHQL_MAX_BATCH", measured: 4, maximum: 3 },
      },
    ]);
    expect(mutations()).toBe(0);
  });
});

describe("query limits over WebSocket", () => {
  it("refuse an operation over a limit with an error naming it, and keep the connection serving", async () => {
    const { url, publishTick, subscribers } = await startServer({ limits: { maxAliases: 0 } });
    const client = track(createClient({ url: url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 }));

    const refused = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: "subscription { a: tick }" }, { next: () => undefined, error: resolve, complete: () => resolve("completed") });
    });
    expect(refused).toEqual([expect.objectContaining({ message: expect.stringMatching(/^query alias count 1 exceeds the maximum of 0 \(GRAPHQL_MAX_ALIASES\)/) })]);
    expect((refused as { extensions: unknown }[])[0]?.extensions).toEqual({ code: "QUERY_TOO_COMPLEX", limit: "GRAPHQL_MAX_ALIASES", measured: 1, maximum: 0 });

    const values: unknown[] = [];
    client.subscribe({ query: "subscription { tick }" }, { next: (value) => void values.push(value.data), error: () => undefined, complete: () => undefined });
    await waitFor("the valid subscription to be live", () => subscribers() === 1);
    publishTick(7);
    await waitFor("a tick", () => values.length === 1);
    expect(values[0]).toEqual({ tick: expect.stringMatching(/^7 from context/) });
  });

  it("report the cost of each `next`: a query's result, and each event of a subscription on its own", async () => {
    const { url, publishTick, subscribers } = await startServer({ limits: { maxCost: 20 } });
    const client = track(createClient({ url: url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 }));
    const results: unknown[] = [];
    await new Promise((resolve, reject) => {
      client.subscribe({ query: "{ items(first: 4) { hello } crowd { hello } }" }, { next: (value) => void results.push(value), error: reject, complete: () => resolve(undefined) });
    });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ extensions: { cost: { requested: 14, actual: 20, maximum: 20 } } });
    expect((results[0] as GraphQLBody).errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");

    const events: unknown[] = [];
    client.subscribe({ query: "subscription { tick }" }, { next: (value) => void events.push(value), error: () => undefined, complete: () => undefined });
    await waitFor("the subscription to be live", () => subscribers() === 1);
    publishTick(1);
    publishTick(2);
    await waitFor("two ticks", () => events.length === 2);
    for (const event of events) expect(event).toEqual({ data: { tick: expect.any(String) }, extensions: ran(0, 0, 20) });
  });

  it("closes a connection whose message is over the body limit with 1009", async () => {
    const { url } = await startServer({ maxBodyBytes: 2048 });
    const socket = new WebSocket(url.replace(/^http/, "ws"), "graphql-transport-ws");
    await new Promise((resolve) => socket.once("open", resolve));
    const closed = new Promise<number>((resolve) => socket.once("close", resolve));
    socket.send(JSON.stringify({ type: "connection_init", payload: { padding: "x".repeat(4096) } }));
    expect(await closed).toBe(1009);
  });
});

describe("automatic persisted queries", () => {
  const query = "{ nested { hello } }";
  const persisted = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

  it("answer a known hash, ask for the query behind an unknown one, and refuse a wrong hash", async () => {
    const { url } = await startServer();
    const unknown = await postJson(url, persisted(sha256(query)));
    expect(unknown).toEqual({ status: 200, body: { errors: [{ message: "PersistedQueryNotFound", extensions: { code: "PERSISTED_QUERY_NOT_FOUND" } }] } });

    const registered = await postJson(url, { query, ...persisted(sha256(query)) });
    expect(registered).toEqual({ status: 200, body: { data: { nested: { hello: "world" } }, extensions: ran(1, 1) } });
    const byHash = await postJson(url, persisted(sha256(query)));
    expect(byHash).toEqual({ status: 200, body: { data: { nested: { hello: "world" } }, extensions: ran(1, 1) } });
    const byHashOverGet = await fetch(`${url}?extensions=${encodeURIComponent(JSON.stringify(persisted(sha256(query)).extensions))}`, { headers: PREFLIGHT });
    expect(await byHashOverGet.json()).toEqual({ data: { nested: { hello: "world" } }, extensions: ran(1, 1) });

    const wrong = await postJson(url, { query, ...persisted(sha256("{ hello }")) });
    expect([wrong.status, wrong.body.errors?.[0]?.message]).toEqual([400, "provided sha does not match query"]);
  });

  it("apply the limits: a query over a limit is neither run nor stored", async () => {
    const { url } = await startServer({ limits: { maxDepth: 1 } });
    const refused = await postJson(url, { query, ...persisted(sha256(query)) });
    expect([refused.status, refused.body.errors?.[0]?.extensions?.limit]).toEqual([400, "GRAPHQL_MAX_DEPTH"]);
    expect((await postJson(url, persisted(sha256(query)))).body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
  });

  it("keep a bounded amount of query text, forgetting the least recently used first", async () => {
    const { url } = await startServer({ persistedQueryCacheBytes: 1000 });
    // Each entry is about 64 (hash) + 200 characters: the fifth evicts the first.
    const queries = Array.from({ length: 5 }, (_, index) => `{ hello ${`# ${index} `.padEnd(190, "x")}\n}`);
    for (const text of queries) expect((await postJson(url, { query: text, ...persisted(sha256(text)) })).status).toBe(200);
    expect((await postJson(url, persisted(sha256(queries[0] as string)))).body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    expect((await postJson(url, persisted(sha256(queries[4] as string)))).body).toEqual({ data: { hello: "world" }, extensions: ran(0, 0) });
  });
});

describe("bad requests", () => {
  it("answer every wrong content type with 415 naming what to send, and run nothing", async () => {
    const { url, mutations } = await startServer();
    const body = JSON.stringify({ query: "mutation { touch }" });
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "application/xml", "application/graphql", undefined]) {
      const headers: Record<string, string> = contentType === undefined ? {} : { "content-type": contentType };
      const response = await fetch(url, { method: "POST", headers, body });
      expect(response.status).toBe(415);
      const { errors } = (await response.json()) as GraphQLBody;
      expect(errors?.[0]?.message).toMatch(/^a POST to \/graphql needs a JSON body with Content-Type: application\/json \(got /);
      expect(errors?.[0]?.extensions?.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    }
    const charset = await fetch(url, { method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify({ query: "{ hello }" }) });
    expect(charset.status).toBe(200);
    expect(mutations()).toBe(0);
  });

  it("answer a body that is JSON but no request with 400", async () => {
    const { url } = await startServer();
    for (const body of ["null", "42", '"{ hello }"']) {
      const response = await fetch(url, { method: "POST", headers: JSON_HEADERS, body });
      expect(response.status).toBe(400);
      expect(((await response.json()) as GraphQLBody).errors?.[0]?.message).toMatch(/^malformed JSON body/);
    }
    const noQuery = await postJson(url, { variables: {} });
    expect([noQuery.status, noQuery.body.errors?.[0]?.extensions?.code]).toEqual([400, "BAD_REQUEST"]);
    const wrongVariables = await postJson(url, { query: "query($n: Int) { items(first: $n) { hello } }", variables: { n: "three" } });
    expect([wrongVariables.status, wrongVariables.body.errors?.[0]?.extensions?.code]).toEqual([400, "BAD_USER_INPUT"]);
  });

  it("answer 413 naming HTTP_MAX_BODY_BYTES over the configured body limit", async () => {
    const { url } = await startServer({ maxBodyBytes: 2048 });
    const { status, body } = await postJson(url, { query: `{ hello }`, variables: { padding: "x".repeat(2048) } });
    expect(status).toBe(413);
    expect(body.errors?.[0]?.message).toMatch(/^request body of \d+ bytes exceeds the maximum of 2048 bytes \(HTTP_MAX_BODY_BYTES\)$/);
  });

  it("answer a mutation or subscription over GET with 405 and Allow: POST, running nothing", async () => {
    const { url, mutations } = await startServer();
    for (const query of ["mutation { touch }", "subscription { tick }"]) {
      const response = await fetch(`${url}?query=${encodeURIComponent(query)}`, { headers: PREFLIGHT });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("POST");
      expect(((await response.json()) as GraphQLBody).errors?.[0]?.message).toMatch(/^GET requests only support query operations/);
    }
    expect(mutations()).toBe(0);
    expect((await postJson(url, { query: "mutation { touch }" })).body).toEqual({ data: { touch: 1 }, extensions: ran(0, 0) });
  });

  it("answer other methods with 405", async () => {
    const { url } = await startServer();
    const response = await fetch(url, { method: "PUT", headers: JSON_HEADERS, body: JSON.stringify({ query: "{ hello }" }) });
    expect(response.status).toBe(405);
  });
});
