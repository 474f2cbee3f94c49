import { createClient } from "graphql-ws";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createGatewayMetrics } from "../../src/metrics/index.js";
import { INTERNAL_ERROR_MESSAGE } from "../../src/operation/index.js";
import type { OperationPlugin } from "../../src/operation/index.js";
import { createGatewayServer } from "../../src/server/index.js";
import type { GatewayServer, GatewayServerOptions } from "../../src/server/index.js";
import { sampleValue } from "../metrics/prometheus-text.js";
import { createTaggedWorld, SECRET_DETAIL, TestInvalidations, UPSTREAM_DOWN, upstreamCode } from "./tagged-world.js";
import type { TaggedContext } from "./tagged-world.js";
import { waitFor } from "./wait-for.js";

/**
 * Every rule of the operation pipeline, over every transport, from one table of cases (as graphql-ws tests its
 * adapters): HTTP POST, GET, a batched POST, WebSocket, and the subgraph endpoint, which runs the same pipeline with
 * its own answers. Each test runs on a server of its own over the tagged world, with API keys, low limits and the
 * answer cache on.
 */
const KEY = "transport-key-a-0123456789";
const OTHER_KEY = "transport-key-b-0123456789";
const LIMITS = { maxDepth: 4, maxAliases: 3, maxCost: 25, maxTokens: 60, maxBatch: 5 };

interface Request {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  extensions?: Record<string, unknown>;
}

interface Result {
  data?: Record<string, unknown> | null;
  errors?: { message: string; locations?: unknown; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

/** What came back, alike for every transport: HTTP has a status, WebSocket none; a refused key is `unauthenticated`. */
type Sent = { unauthenticated: true } | { unauthenticated: false; status: number | undefined; result: Result };

interface Started {
  origin: string;
  world: ReturnType<typeof createTaggedWorld>;
  invalidations: TestInvalidations;
  server: GatewayServer;
  log: string[];
}

interface Transport {
  name: string;
  /** Whether it carries mutations (a GET does not: it is refused with 405). */
  mutations: boolean;
  send(target: Started, request: Request, authorization?: string): Promise<Sent>;
}

const bearer = (key: string) => `Bearer ${key}`;

async function post(url: string, body: unknown, authorization: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

function answered(status: number | undefined, result: unknown): Sent {
  return status === 401 ? { unauthenticated: true } : { unauthenticated: false, status, result: result as Result };
}

const TRANSPORTS: Transport[] = [
  {
    name: "HTTP POST",
    mutations: true,
    async send({ origin }, request, authorization = bearer(KEY)) {
      const { status, body } = await post(`${origin}/graphql`, request, authorization);
      return answered(status, body);
    },
  },
  {
    name: "HTTP GET",
    mutations: false,
    async send({ origin }, request, authorization = bearer(KEY)) {
      const search = new URLSearchParams({ query: request.query });
      if (request.variables !== undefined) search.set("variables", JSON.stringify(request.variables));
      if (request.operationName !== undefined) search.set("operationName", request.operationName);
      if (request.extensions !== undefined) search.set("extensions", JSON.stringify(request.extensions));
      const response = await fetch(`${origin}/graphql?${search}`, { headers: { authorization, "apollo-require-preflight": "true" } });
      return answered(response.status, await response.json());
    },
  },
  {
    name: "batched HTTP POST",
    mutations: true,
    async send({ origin }, request, authorization = bearer(KEY)) {
      // Beside an operation that always runs and is never kept: the batch's status is its refused operation's.
      const { status, body } = await post(`${origin}/graphql`, [request, { query: "mutation { ping }" }], authorization);
      if (status === 401) return { unauthenticated: true };
      expect((body as Result[])[1]).toMatchObject({ data: { ping: "pong" } });
      return answered(status, (body as Result[])[0]);
    },
  },
  {
    name: "WebSocket",
    mutations: true,
    send({ origin }, request, authorization = bearer(KEY)) {
      return new Promise((resolve) => {
        let result: Result | undefined;
        const client = createClient({
          url: `${origin.replace(/^http/, "ws")}/graphql`,
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          connectionParams: { Authorization: authorization },
        });
        const settle = (sent: Sent) => void Promise.resolve(client.dispose()).then(() => resolve(sent));
        client.subscribe<Record<string, unknown>>(request, {
          next: (value) => void (result = value as Result),
          complete: () => settle(answered(undefined, result)),
          error: (error) => {
            if (Array.isArray(error)) settle(answered(undefined, { errors: error }));
            else if ((error as { code?: number }).code === 4401) settle({ unauthenticated: true });
            else settle(answered(undefined, { errors: [{ message: String(error) }] }));
          },
        });
      });
    },
  },
  {
    name: "/subgraph",
    mutations: true,
    async send({ origin }, request, authorization = bearer(KEY)) {
      const { status, body } = await post(`${origin}/subgraph`, request, authorization);
      return answered(status, body);
    },
  },
];

/** A stand-in for the cost meter: a per-execution count, created at `onExecute`, reported in `extensions`. */
function executionMeter(): OperationPlugin<TaggedContext> {
  return {
    onExecute: ({ context }) => ({ extensions: () => ({ meter: { context: context.id } }) }),
  };
}

const servers: GatewayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: Partial<GatewayServerOptions<TaggedContext>> = {}): Promise<Started> {
  const invalidations = new TestInvalidations();
  const world = createTaggedWorld(invalidations);
  const log: string[] = [];
  const server = createGatewayServer<TaggedContext>({
    schema: world.schema,
    subgraphSchema: world.schema,
    context: world.context,
    port: 0,
    apiKeys: [KEY, OTHER_KEY],
    limits: LIMITS,
    errorCode: upstreamCode,
    plugins: [executionMeter()],
    invalidations,
    answerCacheEntries: 100,
    logger: pino({ level: "error" }, { write: (line: string) => void log.push(line) }),
    ...options,
  });
  servers.push(server);
  const url = await server.listen();
  return { origin: new URL(url).origin, world, invalidations, server, log };
}

/** The answer of a request that must be answered (not refused for its key). */
async function send(transport: Transport, target: Started, request: Request, authorization?: string): Promise<{ status: number | undefined; result: Result }> {
  const sent = await transport.send(target, request, authorization);
  if (sent.unauthenticated) throw new Error(`${transport.name}: refused as unauthenticated`);
  return sent;
}

interface RuleCase {
  rule: string;
  request: Request;
  /** The HTTP status (WebSocket has none). */
  status: number;
  result: Result;
  /** Checked after the answer, with the server. */
  then?: (target: Started, result: Result) => void;
}

const codeOnly = (code: string, message: string = expect.any(String)): Result => ({ errors: [{ message, locations: expect.anything(), extensions: expect.objectContaining({ code }) }] });

const RULES: RuleCase[] = [
  { rule: "a syntax error is GRAPHQL_PARSE_FAILED", request: { query: "{ hello" }, status: 400, result: codeOnly("GRAPHQL_PARSE_FAILED", expect.stringMatching(/^Syntax Error/)) },
  {
    rule: "a field the schema lacks is GRAPHQL_VALIDATION_FAILED, naming it",
    request: { query: "{ secretToken }" },
    status: 400,
    result: codeOnly("GRAPHQL_VALIDATION_FAILED", 'Cannot query field "secretToken" on type "Query".'),
  },
  {
    rule: "a missing variable is BAD_USER_INPUT, naming it",
    request: { query: "query ($id: ID!) { item(id: $id) { name } }" },
    status: 400,
    result: codeOnly("BAD_USER_INPUT", expect.stringMatching(/^Variable "\$id" of required type "ID!" was not provided/)),
  },
  {
    rule: "variables nested deeper than any input are BAD_REQUEST",
    request: { query: "{ hello }", variables: { deep: Array.from({ length: 70 }).reduce<unknown>((inner) => [inner], []) } },
    status: 400,
    result: { errors: [{ message: expect.stringMatching(/^`variables` in a GraphQL request nests deeper than 64 levels/), extensions: { code: "BAD_REQUEST" } }] },
  },
  {
    rule: "a document with several operations and no operationName is OPERATION_RESOLUTION_FAILURE",
    request: { query: "query A { hello } query B { hello }" },
    status: 400,
    result: { errors: [{ message: expect.stringMatching(/operationName/), extensions: { code: "OPERATION_RESOLUTION_FAILURE" } }] },
  },
  ...(
    [
      ["depth", `{ ${"nested { ".repeat(4)}hello${" }".repeat(4)} }`, "GRAPHQL_MAX_DEPTH", 5, 4],
      ["aliases", "{ a: hello b: hello c: hello d: hello }", "GRAPHQL_MAX_ALIASES", 4, 3],
      ["cost", "{ a: items { id } b: items { id } c: items { id } }", "GRAPHQL_MAX_COST", 30, 25],
      ["tokens", `{ hello ${"__typename ".repeat(60)}}`, "GRAPHQL_MAX_TOKENS", 63, 60],
    ] as const
  ).map(([what, query, limit, measured, maximum]) => ({
    rule: `an operation over its ${what} limit is QUERY_TOO_COMPLEX, naming the limit`,
    request: { query },
    status: 400,
    // Refused by its estimate, an answer also carries what the operation would have cost (a graphql-ws `error`
    // message has no room for it).
    result: expect.objectContaining({
      errors: [{ message: expect.stringMatching(new RegExp(`exceeds the maximum of ${maximum} \\(${limit}\\)`)), extensions: { code: "QUERY_TOO_COMPLEX", limit, measured, maximum } }],
    }),
  })),
  {
    rule: "an unexpected resolver error is masked as INTERNAL_SERVER_ERROR, its cause logged",
    request: { query: "{ boom hello }" },
    status: 200,
    result: {
      data: { boom: null, hello: "world" },
      errors: [{ message: INTERNAL_ERROR_MESSAGE, locations: expect.anything(), path: ["boom"], extensions: { code: "INTERNAL_SERVER_ERROR" } }],
      extensions: expect.objectContaining({ meter: expect.anything() }),
    },
    then: ({ log }, result) => {
      expect(JSON.stringify(result)).not.toContain(SECRET_DETAIL);
      expect(log.join("")).toContain(SECRET_DETAIL);
    },
  },
  {
    rule: "an error the server has a code for keeps its message",
    request: { query: "{ upstream }" },
    status: 200,
    result: { data: { upstream: null }, errors: [{ message: "the upstream is down: try again in a minute", locations: expect.anything(), path: ["upstream"], extensions: { code: UPSTREAM_DOWN } }], extensions: expect.anything() },
  },
  {
    rule: "a GraphQL error with a code of its own is answered as it is",
    request: { query: "{ refused }" },
    status: 200,
    result: { data: { refused: null }, errors: [{ message: "that value is not allowed: pick another", locations: expect.anything(), path: ["refused"], extensions: { code: "BAD_USER_INPUT" } }], extensions: expect.anything() },
  },
  {
    rule: "a persisted query this instance does not hold is PERSISTED_QUERY_NOT_FOUND",
    request: { query: "", extensions: { persistedQuery: { version: 1, sha256Hash: "a".repeat(64) } } },
    status: 200,
    result: { errors: [{ message: "PersistedQueryNotFound", extensions: { code: "PERSISTED_QUERY_NOT_FOUND" } }] },
  },
  {
    rule: "a plugin's execution stage reports in extensions",
    request: { query: "{ hello }" },
    status: 200,
    result: { data: { hello: "world" }, extensions: expect.objectContaining({ meter: { context: expect.any(Number) } }) },
  },
];

describe.each(TRANSPORTS)("$name", (transport) => {
  const isHttp = transport.name !== "WebSocket";

  describe("rules", () => {
    it.each(RULES)("$rule", async ({ request, status, result, then }) => {
      const target = await start();
      const answer = await send(transport, target, request);
      expect(answer.result).toEqual(result);
      if (isHttp) expect(answer.status).toBe(status);
      then?.(target, answer.result);
    });

    it.runIf(!transport.mutations)("refuses a mutation with 405, running nothing", async () => {
      const target = await start();
      const { status, result } = await send(transport, target, { query: 'mutation { rename(id: "1", name: "x") { name } }' });
      expect(status).toBe(405);
      expect(result.errors?.[0]?.message).toMatch(/^GET requests only support query operations/);
      expect((await send(transport, target, { query: '{ item(id: "1") { name } }' })).result.data).toEqual({ item: { name: "first" } });
    });
  });

  describe("API keys", () => {
    it("refuses no key and a wrong key, and answers each configured key", async () => {
      const target = await start();
      expect(await transport.send(target, { query: "{ hello }" }, "")).toEqual({ unauthenticated: true });
      expect(await transport.send(target, { query: "{ hello }" }, bearer("wrong-key-0123456789abc"))).toEqual({ unauthenticated: true });
      for (const key of [KEY, OTHER_KEY]) expect((await send(transport, target, { query: "{ hello }" }, bearer(key))).result.data).toEqual({ hello: "world" });
    });
  });

  describe("the answer cache", () => {
    const itemOne = { query: 'query One { item(id: "1") { name } }', operationName: "One" };

    it("answers an identical query from memory until a write changes what it read", async () => {
      const target = await start();
      const { world } = target;
      const first = await send(transport, target, itemOne);
      expect(first.result.data).toEqual({ item: { name: "first" } });
      expect((await send(transport, target, itemOne)).result).toEqual(first.result);
      expect(world.resolved.item).toBe(1);

      world.rename("2", "other");
      expect((await send(transport, target, itemOne)).result).toEqual(first.result);
      expect(world.resolved.item).toBe(1);

      // Committed, not yet delivered: the request's barrier delivers it before the cache is read.
      world.rename("1", "renamed");
      expect((await send(transport, target, itemOne)).result.data).toEqual({ item: { name: "renamed" } });
      expect(world.resolved.item).toBe(2);
      expect(target.server.answerCacheStats).toMatchObject({ hits: 2, misses: 2, entries: 1 });
    });

    it("keys answers by variables, operation name and caller scope", async () => {
      const target = await start();
      const byId = "query Item($id: ID!) { item(id: $id) { name } } query Both { items { name } }";
      for (let round = 0; round < 2; round += 1) {
        expect((await send(transport, target, { query: byId, operationName: "Item", variables: { id: "1" } })).result.data).toEqual({ item: { name: "first" } });
        expect((await send(transport, target, { query: byId, operationName: "Item", variables: { id: "2" } })).result.data).toEqual({ item: { name: "second" } });
        expect((await send(transport, target, { query: byId, operationName: "Both" })).result.data).toEqual({ items: [{ name: "first" }, { name: "second" }] });
      }
      expect([target.world.resolved.item, target.world.resolved.items]).toEqual([2, 1]);

      const scopes = await Promise.all([KEY, OTHER_KEY, KEY].map(async (key) => (await send(transport, target, { query: "{ scope }" }, bearer(key))).result.data));
      expect(scopes).toEqual([{ scope: "key:0" }, { scope: "key:1" }, { scope: "key:0" }]);
    });

    it("keeps no answer with errors, none built on data the store does not hold, and no mutation's", async () => {
      const target = await start();
      const { world } = target;
      for (let round = 0; round < 2; round += 1) {
        expect((await send(transport, target, { query: '{ item(id: "1") { name } boom }' })).result.errors).toHaveLength(1);
        expect((await send(transport, target, { query: "{ live }" })).result.data).toEqual({ live: "fetched just now" });
      }
      expect([world.resolved.item, world.resolved.live]).toEqual([2, 2]);
      if (!transport.mutations) return;
      for (const name of ["a", "b"]) expect((await send(transport, target, { query: `mutation { rename(id: "1", name: "${name}") { name } }` })).result.data).toEqual({ rename: { name } });
      expect((await send(transport, target, itemOne)).result.data).toEqual({ item: { name: "b" } });
    });

    it("lets identical requests in flight share one execution", async () => {
      const target = await start();
      const release = target.world.holdSlow();
      const answers = Promise.all([send(transport, target, { query: "{ slow }" }), send(transport, target, { query: "{ slow }" })]);
      // Each request passes its barrier just before it looks for an answer.
      await waitFor("both requests to arrive", () => target.invalidations.barriers === 2 && target.world.resolved.slow === 1);
      release();
      expect((await answers).map((answer) => answer.result.data)).toEqual([{ slow: "first" }, { slow: "first" }]);
      expect(target.world.resolved.slow).toBe(1);
      expect(target.server.answerCacheStats).toMatchObject({ misses: 1, shared: 1 });
    });

    it("keeps out an answer whose data a write changed while it executed, and a request after that write runs afresh", async () => {
      const target = await start();
      const { world, invalidations } = target;
      const release = world.holdSlow();
      const stale = send(transport, target, { query: "{ slow }" });
      await waitFor("the first execution to read item 1", () => world.resolved.slow === 1);
      world.rename("1", "renamed");
      // Arrives after the write: its barrier delivers the invalidation, so it must not take the stale execution's answer.
      const fresh = send(transport, target, { query: "{ slow }" });
      await waitFor("the second execution", () => world.resolved.slow === 2);
      release();
      expect((await stale).result.data).toEqual({ slow: "first" });
      expect((await fresh).result.data).toEqual({ slow: "renamed" });
      invalidations.deliver();
      expect((await send(transport, target, { query: "{ slow }" })).result.data).toEqual({ slow: "renamed" });
      expect(world.resolved.slow).toBe(2);
    });

    it("drops every answer on a reset", async () => {
      const target = await start();
      await send(transport, target, itemOne);
      target.invalidations.reset();
      await send(transport, target, itemOne);
      expect(target.world.resolved.item).toBe(2);
      expect(target.server.answerCacheStats?.entries).toBe(1);
    });

    it("is off with answerCacheEntries 0", async () => {
      const target = await start({ answerCacheEntries: 0 });
      await send(transport, target, itemOne);
      await send(transport, target, itemOne);
      expect(target.world.resolved.item).toBe(2);
      expect(target.server.answerCacheStats).toBeUndefined();
    });
  });
});

describe("the answer cache over HTTP", () => {
  it("serves the very bytes it kept, uncacheable for shared caches", async () => {
    const target = await start();
    const responses = [];
    for (let round = 0; round < 2; round += 1) {
      const response = await fetch(`${target.origin}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: bearer(KEY) },
        body: JSON.stringify({ query: "{ items { id name } }" }),
      });
      responses.push({ cacheControl: response.headers.get("cache-control"), bytes: Buffer.from(await response.arrayBuffer()) });
    }
    expect(responses[0]?.cacheControl).toBe("no-store");
    expect(responses[1]).toEqual(responses[0]);
    expect(target.world.resolved.items).toBe(1);
  });
});

describe("the answer cache in /metrics", () => {
  it("counts lookups by result, and the entries held", async () => {
    const servers: { started?: Started } = {};
    const metrics = createGatewayMetrics({ answerCache: () => servers.started?.server.answerCacheStats });
    const target = (servers.started = await start({ metrics }));
    const query = { query: '{ item(id: "1") { name } }' };
    const http = TRANSPORTS[0] as Transport;
    await send(http, target, query);
    await send(http, target, query);
    await send(http, target, query);
    const scraped = await fetch(`${target.origin}/metrics`, { headers: { authorization: bearer(KEY) } });
    const text = await scraped.text();
    expect(sampleValue(text, "circleci_gateway_answer_cache_lookups_total", { result: "miss" })).toBe(1);
    expect(sampleValue(text, "circleci_gateway_answer_cache_lookups_total", { result: "hit" })).toBe(2);
    expect(sampleValue(text, "circleci_gateway_answer_cache_entries")).toBe(1);
    // Answers from memory are operations too: timed like the rest.
    expect(sampleValue(text, "circleci_gateway_graphql_request_duration_seconds_count", { operation_type: "query", outcome: "ok" })).toBe(3);
  });
});

describe("subscriptions", () => {
  it("execute each event only after the invalidation barrier", async () => {
    const target = await start();
    const { world, invalidations } = target;
    const names: unknown[] = [];
    const client = createClient({ url: `${target.origin.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { Authorization: bearer(KEY) } });
    try {
      client.subscribe({ query: "subscription { itemRenamed { name } }" }, { next: (value) => void names.push(value.data), error: () => undefined, complete: () => undefined });
      await waitFor("the subscription", () => world.subscribers() === 1);
      const barriersBefore = invalidations.barriers;
      invalidations.holdBarriers();
      world.announce("1");
      await waitFor("the event's barrier", () => invalidations.barriers === barriersBefore + 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(names).toEqual([]);
      invalidations.releaseBarriers();
      await waitFor("the event", () => names.length === 1);
      expect(names).toEqual([{ itemRenamed: { name: "first" } }]);
    } finally {
      await client.dispose();
    }
  });
});
