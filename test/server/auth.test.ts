import { Writable } from "node:stream";
import { createClient } from "graphql-ws";
import type { Client } from "graphql-ws";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startServe, unauthenticatedNotice } from "../../src/commands/serve.js";
import { loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import { authenticate, createApiKeyMatcher, createAuthenticator, keyName, parseBasicPassword, parseBearerToken, PUBLIC_CALLER, webSocketAuthorization } from "../../src/server/auth.js";
import type { GatewayKeys } from "../../src/server/auth.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { answerOf } from "../support/answer.js";
import { createTinySchema } from "./tiny-schema.js";
import { useTinyServers } from "./tiny-server.js";
import { waitFor } from "./wait-for.js";

const KEYS = ["first-key-0123456789abcdef", "second-key-0123456789abcdef"] as const;
const WRONG_KEY = "wrong-key-0123456789abcdef";
const WRITE_KEY = "write-key-0123456789abcdef";
const { startServer, track } = useTinyServers({ apiKeys: KEYS });

function postQuery(url: string, authorization?: string, query = "{ hello }"): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization !== undefined) headers.authorization = authorization;
  return fetch(url, { method: "POST", headers, body: JSON.stringify({ query }) });
}

/** A graphql-ws client that sends `connectionParams` in `connection_init` and `upgradeAuthorization` on the upgrade. */
function wsClient(url: string, options: { connectionParams?: Record<string, string>; upgradeAuthorization?: string } = {}) {
  const closeCodes: number[] = [];
  const headers = options.upgradeAuthorization === undefined ? {} : { authorization: options.upgradeAuthorization };
  class WebSocketWithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const client = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocketWithHeaders,
    retryAttempts: 0,
    lazy: false,
    // The close code is what these tests read; the client's default would print every refusal to stderr.
    onNonLazyError: () => undefined,
    connectionParams: options.connectionParams,
    on: { closed: (event) => void closeCodes.push((event as { code: number }).code) },
  });
  track(client);
  return { client, closeCodes };
}

function queryOverWebSocket(client: Client): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let data: unknown;
    client.subscribe({ query: "{ hello }" }, { next: (result) => void (data = result.data), error: reject, complete: () => resolve(data) });
  });
}

describe("parseBearerToken", () => {
  it("takes the key of a Bearer value, the scheme in any case", () => {
    expect(parseBearerToken(`Bearer ${KEYS[0]}`)).toBe(KEYS[0]);
    expect(parseBearerToken(`bearer ${KEYS[0]}`)).toBe(KEYS[0]);
    expect(parseBearerToken(`BEARER  ${KEYS[0]} `)).toBe(KEYS[0]);
  });

  it("gives nothing for a missing, empty, other-scheme or many-part value", () => {
    expect(parseBearerToken(undefined)).toBeUndefined();
    expect(parseBearerToken("")).toBeUndefined();
    expect(parseBearerToken("Bearer ")).toBeUndefined();
    expect(parseBearerToken(`Basic ${KEYS[0]}`)).toBeUndefined();
    expect(parseBearerToken(KEYS[0])).toBeUndefined();
    expect(parseBearerToken(`Bearer ${KEYS[0]} extra`)).toBeUndefined();
  });
});

describe("createApiKeyMatcher and authenticate", () => {
  const matches = createApiKeyMatcher(KEYS);

  it("matches each configured key (telling which) and nothing else, whatever its length", () => {
    expect(matches(KEYS[0])).toBe(0);
    expect(matches(KEYS[1])).toBe(1);
    expect(matches(WRONG_KEY)).toBeUndefined();
    expect(matches(KEYS[0].slice(0, -1))).toBeUndefined();
    expect(matches(`${KEYS[0]}x`)).toBeUndefined();
    expect(matches("")).toBeUndefined();
  });

  it("tells a missing key from a wrong one; each key is a caller scope of its own, named without the key", () => {
    const matchers = { read: matches, write: createApiKeyMatcher([WRITE_KEY]) };
    expect(authenticate(`Bearer ${KEYS[1]}`, matchers)).toEqual({ ok: true, caller: { scope: "key:1", access: "read", name: keyName(KEYS[1]) } });
    expect(authenticate(`Bearer ${KEYS[0]}`, matchers)).toEqual({ ok: true, caller: { scope: "key:0", access: "read", name: keyName(KEYS[0]) } });
    expect(authenticate(`Bearer ${WRITE_KEY}`, matchers)).toEqual({ ok: true, caller: { scope: "write:0", access: "write", name: keyName(WRITE_KEY) } });
    expect(authenticate(undefined, matchers)).toEqual({ ok: false, failure: "missing" });
    expect(authenticate(`Basic ${KEYS[1]}`, matchers)).toEqual({ ok: false, failure: "missing" });
    expect(authenticate(`Bearer ${WRONG_KEY}`, matchers)).toEqual({ ok: false, failure: "invalid" });
    // Reads that need no key: a caller without one is the anonymous one given, a wrong key is still refused.
    expect(authenticate(undefined, matchers, PUBLIC_CALLER)).toEqual({ ok: true, caller: PUBLIC_CALLER });
    expect(authenticate(`Bearer ${WRONG_KEY}`, matchers, PUBLIC_CALLER)).toEqual({ ok: false, failure: "invalid" });
  });

  it("names a key by 8 hex digits of its digest, which tell keys apart and hold nothing of the key", () => {
    expect(keyName(KEYS[0])).toMatch(/^key sha256:[0-9a-f]{8}$/);
    expect(keyName(KEYS[0])).not.toBe(keyName(KEYS[1]));
    for (const key of KEYS) expect(keyName(key)).not.toContain(key.slice(0, 4));
  });
});

describe("createAuthenticator", () => {
  const outcome = (keys: GatewayKeys, key?: string) => createAuthenticator(keys)(key === undefined ? undefined : `Bearer ${key}`);
  const access = (keys: GatewayKeys, key?: string) => {
    const result = outcome(keys, key);
    return result.ok ? result.caller.access : result.failure;
  };

  it("without keys admits everyone as the one public caller, who reads, whatever they send", () => {
    expect(outcome({ read: [], write: [] }, WRONG_KEY)).toEqual({ ok: true, caller: PUBLIC_CALLER });
    expect(access({ read: [], write: [] })).toBe("read");
  });

  it("with write keys alone, reads need no key, a write key may act, and a key that is neither is refused", () => {
    const keys = { read: [], write: [WRITE_KEY] };
    expect(access(keys)).toBe("read");
    expect(access(keys, WRITE_KEY)).toBe("write");
    expect(access(keys, WRONG_KEY)).toBe("invalid");
  });

  it("with read and write keys, every caller needs one of either", () => {
    const keys = { read: [...KEYS], write: [WRITE_KEY] };
    expect([access(keys), access(keys, KEYS[0]), access(keys, WRITE_KEY), access(keys, WRONG_KEY)]).toEqual(["missing", "read", "write", "invalid"]);
  });

  it("lets every admitted caller act when writes need no key (the demo)", () => {
    expect(access({ read: [], write: [], writeWithoutKey: true })).toBe("write");
    const keys = { read: [...KEYS], write: [], writeWithoutKey: true };
    expect([access(keys), access(keys, KEYS[1]), access(keys, WRONG_KEY)]).toEqual(["missing", "write", "invalid"]);
  });
});

describe("parseBasicPassword and keys over HTTP Basic", () => {
  const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString("base64")}`;
  const matches = createApiKeyMatcher(KEYS);

  it("takes the password of a Basic value, whatever the user name (a password may hold colons)", () => {
    expect(parseBasicPassword(basic(`ccmenu:${KEYS[0]}`))).toBe(KEYS[0]);
    expect(parseBasicPassword(basic(`:${KEYS[0]}`))).toBe(KEYS[0]);
    expect(parseBasicPassword(`basic  ${Buffer.from(`x:${KEYS[1]}`).toString("base64")} `)).toBe(KEYS[1]);
    expect(parseBasicPassword(basic("user:pass:word"))).toBe("pass:word");
  });

  it("gives nothing without a password, or for another scheme or a value that is not base64", () => {
    expect(parseBasicPassword(undefined)).toBeUndefined();
    expect(parseBasicPassword(basic(KEYS[0]))).toBeUndefined();
    expect(parseBasicPassword(basic("user:"))).toBeUndefined();
    expect(parseBasicPassword(`Bearer ${KEYS[0]}`)).toBeUndefined();
    expect(parseBasicPassword("Basic not base64!")).toBeUndefined();
  });

  it("authenticates Basic only where the route takes it", () => {
    const matchers = { read: matches, write: createApiKeyMatcher([WRITE_KEY]) };
    const reader = (index: 0 | 1) => ({ ok: true, caller: { scope: `key:${index}`, access: "read", name: keyName(KEYS[index]) } });
    expect(authenticate(basic(`ccmenu:${KEYS[1]}`), matchers, undefined, "bearer-or-basic")).toEqual(reader(1));
    expect(authenticate(`Bearer ${KEYS[0]}`, matchers, undefined, "bearer-or-basic")).toEqual(reader(0));
    expect(authenticate(basic(`ccmenu:${WRONG_KEY}`), matchers, undefined, "bearer-or-basic")).toEqual({ ok: false, failure: "invalid" });
    expect(authenticate(basic(`ccmenu:${KEYS[1]}`), matchers)).toEqual({ ok: false, failure: "missing" });
  });
});

describe("webSocketAuthorization", () => {
  it("prefers the connection_init payload (either case), else the upgrade header", () => {
    expect(webSocketAuthorization({ Authorization: "Bearer a" }, "Bearer b")).toBe("Bearer a");
    expect(webSocketAuthorization({ authorization: "Bearer a" }, "Bearer b")).toBe("Bearer a");
    expect(webSocketAuthorization({}, "Bearer b")).toBe("Bearer b");
    expect(webSocketAuthorization(undefined, undefined)).toBeUndefined();
  });
});

describe("unauthenticatedNotice", () => {
  it("says a loopback gateway is unauthenticated, and warns when it listens beyond this machine", () => {
    for (const host of ["127.0.0.1", "localhost", "::1"]) expect(unauthenticatedNotice(host)).toMatch(/unauthenticated, reachable only from this machine/);
    for (const host of ["0.0.0.0", "::", "10.1.2.3"]) {
      expect(unauthenticatedNotice(host)).toMatch(/anyone who can reach it can query it; set GATEWAY_API_KEYS/);
    }
  });
});

describe("HTTP with API keys", () => {
  it("answers 401 with a JSON error and a Bearer challenge when the header is missing", async () => {
    const { url } = await startServer();
    const response = await postQuery(url);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect(await response.json()).toEqual({
      errors: [{ message: expect.stringMatching(/Authorization header is missing: send `Authorization: Bearer <key>`/), extensions: { code: "UNAUTHENTICATED" } }],
    });
  });

  it("answers 401 saying the key is not valid, without echoing it", async () => {
    const { url } = await startServer();
    const response = await postQuery(url, `Bearer ${WRONG_KEY}`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
    const body = await response.text();
    expect(JSON.parse(body)).toEqual({ errors: [{ message: expect.stringMatching(/API key .* is not valid/), extensions: { code: "UNAUTHENTICATED" } }] });
    expect(body).not.toContain(WRONG_KEY);
  });

  it("answers with each configured key, the scheme in any case", async () => {
    const { url } = await startServer();
    for (const authorization of [`Bearer ${KEYS[0]}`, `Bearer ${KEYS[1]}`, `bearer ${KEYS[0]}`]) {
      const response = await postQuery(url, authorization);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(answerOf({ hello: "world" }));
    }
  });

  it("guards /subgraph too", async () => {
    const tiny = createTinySchema();
    const { origin } = await startServer({ subgraphSchema: tiny.schema });
    expect((await postQuery(`${origin}/subgraph`)).status).toBe(401);
    expect((await postQuery(`${origin}/subgraph`, `Bearer ${KEYS[1]}`)).status).toBe(200);
  });

  it("leaves the health probes open", async () => {
    const { origin } = await startServer();
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${origin}/readyz`)).status).toBe(200);
  });

  it("asks for nothing when no key is configured", async () => {
    const { url } = await startServer({ apiKeys: [] });
    expect((await postQuery(url)).status).toBe(200);
  });
});

describe("WebSocket with API keys", () => {
  it("closes a connection_init without a key with 4401", async () => {
    const { url } = await startServer();
    const { closeCodes } = wsClient(url);
    await waitFor("the close", () => closeCodes.length > 0);
    expect(closeCodes).toEqual([4401]);
  });

  it("closes a connection_init with a wrong key with 4401", async () => {
    const { url } = await startServer();
    const { closeCodes } = wsClient(url, { connectionParams: { Authorization: `Bearer ${WRONG_KEY}` } });
    await waitFor("the close", () => closeCodes.length > 0);
    expect(closeCodes).toEqual([4401]);
  });

  it("serves with a right key in the payload (either case) or on the upgrade request", async () => {
    const { url } = await startServer();
    const withKey = [
      wsClient(url, { connectionParams: { Authorization: `Bearer ${KEYS[0]}` } }),
      wsClient(url, { connectionParams: { authorization: `bearer ${KEYS[1]}` } }),
      wsClient(url, { upgradeAuthorization: `Bearer ${KEYS[1]}` }),
    ];
    for (const { client, closeCodes } of withKey) {
      expect(await queryOverWebSocket(client)).toEqual({ hello: "world" });
      expect(closeCodes).toEqual([]);
    }
  });
});

describe("logs", () => {
  it("never contain a key, configured or presented", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => void (lines.push(chunk.toString()), done()) });
    const { url } = await startServer({ logger: pino({ level: "trace" }, sink) });
    await postQuery(url);
    await postQuery(url, `Bearer ${WRONG_KEY}`);
    await postQuery(url, `Bearer ${KEYS[0]}`);
    const refused = wsClient(url, { connectionParams: { Authorization: `Bearer ${WRONG_KEY}` } });
    await waitFor("the close", () => refused.closeCodes.length > 0);

    const log = lines.join("");
    expect(log).toMatch(/HTTP request refused: no valid API key/);
    expect(log).toMatch(/WebSocket connection refused: no valid API key/);
    for (const key of [...KEYS, WRONG_KEY]) expect(log).not.toContain(key);
  });
});

describe("startServe", () => {
  let sim: Simulator;
  let slug: string;

  beforeAll(async () => {
    sim = await startSimulator({ world: { seed: 3, projects: 1, pipelinesPerProject: 1, historyDays: 1 } });
    [slug] = [...sim.world.state.projects.keys()] as [string];
  });

  afterAll(() => sim?.stop());

  /** `serve` in-process (embedded store, no sync): the lines it printed, and a POST to its GraphQL URL. */
  async function serveWith(env: Record<string, string>, authorization?: string) {
    const base = { CIRCLECI_TOKEN: sim.token, CIRCLECI_BASE_URL: sim.url, CIRCLECI_PROJECT_SLUGS: slug, SYNC_INTERVAL_SECONDS: "0", PORT: "0" };
    const lines: string[] = [];
    const serve = await startServe(loadConfig("serve", { env: { ...base, ...env } }).config, silentLogger, (line) => lines.push(line));
    try {
      return { lines, status: (await postQuery(serve.url, authorization, "{ __typename }")).status };
    } finally {
      await serve.stop();
    }
  }

  it("says in one line that it is unauthenticated when GATEWAY_API_KEYS is not set", async () => {
    const { lines, status } = await serveWith({});
    expect(lines.filter((line) => line.startsWith("auth:"))).toEqual([unauthenticatedNotice("127.0.0.1")]);
    expect(status).toBe(200);
  });

  it("enforces GATEWAY_API_KEYS, and then says nothing about auth", async () => {
    const keys = { GATEWAY_API_KEYS: KEYS.join(",") };
    const refused = await serveWith(keys);
    expect(refused.status).toBe(401);
    expect(refused.lines.filter((line) => line.startsWith("auth:"))).toEqual([]);
    expect((await serveWith(keys, `Bearer ${KEYS[1]}`)).status).toBe(200);
  });
});
