import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator, SimulatorOptions } from "../../src/simulator/index.js";
import { FixedWindowRateLimiter } from "../../src/simulator/rate-limit.js";
import { get } from "./http.js";
import { tinyWorld } from "./tiny-world.js";

let sim: Simulator | undefined;

async function start(options: Omit<SimulatorOptions, "world"> = {}): Promise<Simulator> {
  sim = await startSimulator({ world: tinyWorld().world, ...options });
  return sim;
}

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const PIPELINES = "GET /project/{slug}/pipeline";
const me = (s: Simulator) => get(`${s.url}/api/v2/me`, { "circle-token": s.token });
const pipelines = (s: Simulator) => get(`${s.url}/api/v2/project/gh/acme/api/pipeline`, { "circle-token": s.token });

/** The outcome of one request as a client sees it: a status, an unparseable body, or a broken connection. */
async function outcome(s: Simulator, path = "/api/v2/me"): Promise<string> {
  try {
    const res = await request(`${s.url}${path}`, { headers: { "circle-token": s.token } });
    const text = await res.body.text();
    JSON.parse(text);
    return String(res.statusCode);
  } catch (error) {
    return error instanceof SyntaxError ? "unparseable" : "socket error";
  }
}

describe("scripted faults", () => {
  it("hit exactly `count` requests of the named endpoint and leave the others alone", async () => {
    const s = await start();
    s.inject({ kind: "500", endpoint: PIPELINES, count: 2 });
    expect((await me(s)).status).toBe(200);
    const first = await pipelines(s);
    expect(first.status).toBe(500);
    expect(first.text).toBe('{"message":"Internal server error."}');
    expect((await pipelines(s)).status).toBe(500);
    expect((await pipelines(s)).status).toBe(200);
    expect(s.counters.byStatus()).toEqual({ "200": 2, "500": 2 });
  });

  it("answer 429 with the scripted Retry-After, and 503", async () => {
    const s = await start();
    s.inject({ kind: "429", retryAfterSeconds: 3 });
    s.inject({ kind: "503" });
    s.inject({ kind: "429" });
    const throttled = await me(s);
    expect(throttled.status).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("3");
    expect(throttled.json()).toEqual({ message: "Rate limit exceeded." });
    expect((await me(s)).status).toBe(503);
    expect((await me(s)).headers["retry-after"]).toBe("1");
    expect((await me(s)).status).toBe(200);
  });

  it("reset: the client sees a socket error and the counters say reset", async () => {
    const s = await start();
    s.inject({ kind: "reset" });
    expect(await outcome(s)).toBe("socket error");
    expect(await outcome(s)).toBe("200");
    expect(s.counters.byStatus()).toEqual({ reset: 1, "200": 1 });
  });

  it("truncate: a 200 promising the full length, then half a body", async () => {
    const s = await start();
    const full = await pipelines(s);
    s.inject({ kind: "truncate", endpoint: PIPELINES });
    const res = await request(`${s.url}/api/v2/project/gh/acme/api/pipeline`, { headers: { "circle-token": s.token } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-length"]).toBe(String(Buffer.byteLength(full.text)));
    await expect(res.body.json()).rejects.toThrow();
    expect(s.counters.byStatus()).toEqual({ "200": 1, truncated: 1 });
  });

  it("garbage: a 200 whose body is an HTML page", async () => {
    const s = await start();
    s.inject({ kind: "garbage" });
    const answer = await me(s);
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toMatch(/^text\/html/);
    expect(() => answer.json()).toThrow(SyntaxError);
  });

  it("wrong-shape: a 200 whose well-formed JSON is not the resource but the answer wrapped in an object", async () => {
    const s = await start();
    const expected = (await me(s)).json();
    s.inject({ kind: "wrong-shape", endpoint: "GET /me" });
    const answer = await me(s);
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toMatch(/^application\/json/);
    expect(answer.json()).toEqual({ result: expected });
    expect((await me(s)).json()).toEqual(expected);
  });

  it("slow: dribbles a complete body over the given time", async () => {
    const s = await start();
    s.inject({ kind: "slow", slowMs: 300 });
    const started = Date.now();
    const res = await request(`${s.url}/api/v2/project/gh/acme/api/pipeline`, { headers: { "circle-token": s.token } });
    let chunks = 0;
    let text = "";
    for await (const chunk of res.body) {
      chunks += 1;
      text += String(chunk);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(chunks).toBeGreaterThan(1);
    expect(JSON.parse(text)).toHaveProperty("items");
  });
  it("counts a client that hangs up mid-body as aborted", async () => {
    const s = await start();
    s.inject({ kind: "slow", slowMs: 1000 });
    const res = await request(`${s.url}/api/v2/project/gh/acme/api/pipeline`, { headers: { "circle-token": s.token } });
    for await (const _chunk of res.body) break;
    while (s.counters.inFlight() > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(s.counters.byStatus()).toEqual({ aborted: 1 });
  });
});

describe("random faults", () => {
  async function statuses(s: Simulator, count: number): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < count; i++) seen.push(await outcome(s));
    return seen;
  }

  it("follow the seed: the same seed replays the same sequence of faults", async () => {
    const faults = { seed: 7, serverErrorRate: 0.2, resetRate: 0.1, truncateRate: 0.1 };
    const s = await start({ faults });
    const first = await statuses(s, 40);
    s.setFaults(faults);
    expect(await statuses(s, 40)).toEqual(first);
    // A truncated body is a socket error too: the headers promised more bytes than came.
    expect(first).toEqual(expect.arrayContaining(["200", "500", "socket error"]));
    s.setFaults({ ...faults, seed: 8 });
    expect(await statuses(s, 40)).not.toEqual(first);
  });

  it("answer 500 mostly and 502/503 sometimes, only on the listed endpoints, until cleared", async () => {
    const s = await start({ faults: { serverErrorRate: 1, only: [PIPELINES] } });
    const seen = await Promise.all(Array.from({ length: 40 }, () => outcome(s, "/api/v2/project/gh/acme/api/pipeline")));
    expect(seen.filter((status) => status === "500").length).toBeGreaterThan(20);
    expect(new Set(seen)).toEqual(new Set(["500", "502", "503"]));
    expect(await outcome(s)).toBe("200");
    s.setFaults(null);
    expect(await outcome(s, "/api/v2/project/gh/acme/api/pipeline")).toBe("200");
  });

  it("garbageRate answers 200 with an HTML page instead of JSON, until cleared", async () => {
    const s = await start({ faults: { garbageRate: 1 } });
    expect(await statuses(s, 3)).toEqual(["unparseable", "unparseable", "unparseable"]);
    expect(s.counters.byStatus()).toEqual({ "200": 3 });
    s.setFaults(null);
    expect(await outcome(s)).toBe("200");
  });

  it("slowBodyMs slows every healthy body", async () => {
    const s = await start({ faults: { slowBodyMs: 200 } });
    const started = Date.now();
    expect((await me(s)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});

describe("rate limit", () => {
  it("spends a fixed budget per clock-aligned second", () => {
    const limiter = new FixedWindowRateLimiter(2);
    expect([limiter.take(10_100), limiter.take(10_500), limiter.take(10_999)].map((d) => d.allowed)).toEqual([true, true, false]);
    expect(limiter.take(10_999)).toEqual({ allowed: false, limit: 2, remaining: 0, resetsAt: 11_000 });
    expect(limiter.take(11_000)).toEqual({ allowed: true, limit: 2, remaining: 1, resetsAt: 12_000 });
  });

  /** A burst big enough that it overruns the budget even if it straddles a window boundary. */
  async function burst(s: Simulator) {
    const answers = await Promise.all(Array.from({ length: 12 }, () => me(s)));
    const throttled = answers.find((a) => a.status === 429);
    const passed = answers.find((a) => a.status === 200);
    if (!throttled || !passed) throw new Error(`expected both 200 and 429, got ${answers.map((a) => a.status).join(",")}`);
    return { throttled, passed, answers };
  }

  it("answers 429 Rate limit exceeded with Retry-After in seconds and both header families", async () => {
    const s = await start({ rateLimit: { requestsPerSecond: 3 } });
    const { throttled, passed } = await burst(s);
    expect(throttled.json()).toEqual({ message: "Rate limit exceeded." });
    expect(throttled.headers["retry-after"]).toBe("1");
    for (const prefix of ["ratelimit", "x-ratelimit"]) {
      expect(throttled.headers[`${prefix}-limit`]).toBe("3");
      expect(throttled.headers[`${prefix}-remaining`]).toBe("0");
      expect(throttled.headers[`${prefix}-reset`]).toBe("1");
      expect(passed.headers[`${prefix}-limit`]).toBe("3");
    }
    expect(s.counters.byStatus()["429"]).toBeGreaterThanOrEqual(1);
  });

  it("can send Retry-After as an HTTP date, and only one header family", async () => {
    const s = await start({ rateLimit: { requestsPerSecond: 3, retryAfter: "http-date", headers: "x-ratelimit" } });
    const before = Date.now();
    const { throttled } = await burst(s);
    const retryAt = Date.parse(String(throttled.headers["retry-after"]));
    expect(retryAt).toBeGreaterThan(before - 1000);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 1000);
    expect(retryAt % 1000).toBe(0);
    expect(throttled.headers["x-ratelimit-limit"]).toBe("3");
    expect(throttled.headers["ratelimit-limit"]).toBeUndefined();
  });

  it("can leave out Retry-After, send only RateLimit-*, and be lifted", async () => {
    const s = await start({ rateLimit: { requestsPerSecond: 3, retryAfter: "none", headers: "ratelimit" } });
    const { throttled } = await burst(s);
    expect(throttled.headers["retry-after"]).toBeUndefined();
    expect(throttled.headers["ratelimit-limit"]).toBe("3");
    expect(throttled.headers["x-ratelimit-limit"]).toBeUndefined();
    s.setRateLimit(null);
    const answers = await Promise.all(Array.from({ length: 12 }, () => me(s)));
    expect(answers.every((a) => a.status === 200 && a.headers["ratelimit-limit"] === undefined)).toBe(true);
  });

  it("does not throttle presigned output URLs, which live outside the API", async () => {
    const s = await start({ rateLimit: { requestsPerSecond: 1 } });
    const build = await get(`${s.url}/api/v1.1/project/gh/acme/api/101`, { "circle-token": s.token, accept: "application/json" });
    const url = build.json<{ steps: { actions: { output_url?: string }[] }[] }>().steps[0]?.actions[0]?.output_url ?? "";
    const outputs = await Promise.all(Array.from({ length: 5 }, () => get(url)));
    expect(outputs.map((o) => o.status)).toEqual([200, 200, 200, 200, 200]);
  });
});
