import { describe, expect, it } from "vitest";
import { RateLimitedError } from "../../src/circleci/index.js";
import { fastRetry, sendJson, useFakeCircleCI } from "./support/fake-circleci.js";
import type { SeenRequest } from "./support/fake-circleci.js";
import { delay } from "./support/fake-circleci.js";
import { user } from "./support/resources.js";

const setUp = useFakeCircleCI({ requestsPerSecond: 1000 });

/** Timers may fire a few ms early relative to Date.now(); this is the "at least ~1 s" bound. */
const ONE_SECOND_LOWER_BOUND = 900;

/**
 * The first request gets a 429 with `headers`; every later one succeeds. Three more requests are
 * queued behind the first (concurrency 1). Returns when all four calls have resolved.
 */
async function pauseScenario(headers: () => Record<string, string>) {
  let rateLimitedAt = 0;
  const { server, client } = await setUp(
    (_req, res) => {
      if (rateLimitedAt === 0) {
        rateLimitedAt = Date.now();
        sendJson(res, 429, { message: "Rate limit exceeded." }, headers());
      } else sendJson(res, 200, user());
    },
    { concurrency: 1 },
  );
  const results = await Promise.all([client.me(), client.me(), client.me(), client.me()]);
  const afterPause = server.requests.slice(1);
  return { server, client, results, rateLimitedAt, afterPause };
}

function gaps(requests: SeenRequest[], since: number): number[] {
  return requests.map((seen) => seen.receivedAt - since);
}

describe("rate limiting", () => {
  it("a 429 with Retry-After in seconds pauses the whole gate, queued requests included", async () => {
    const { client, results, rateLimitedAt, afterPause } = await pauseScenario(() => ({ "retry-after": "1" }));
    expect(results.map((me) => me.login)).toEqual(["octo", "octo", "octo", "octo"]);
    expect(afterPause).toHaveLength(4);
    for (const gap of gaps(afterPause, rateLimitedAt)) expect(gap).toBeGreaterThanOrEqual(ONE_SECOND_LOWER_BOUND);
    expect(client.stats.rateLimitWaits.count).toBe(1);
    expect(client.stats.rateLimitWaits.ms).toBeGreaterThanOrEqual(ONE_SECOND_LOWER_BOUND);
    expect(client.stats.requests["GET /me"]).toEqual({ "200": 4, "429": 1 });
    expect(client.stats.retries).toBe(1);
  });

  it("a 429 with Retry-After as an HTTP-date pauses the whole gate until that date", async () => {
    // HTTP-dates have whole seconds: two seconds ahead, truncated, is at least one second ahead.
    const { results, rateLimitedAt, afterPause } = await pauseScenario(() => ({
      "retry-after": new Date(Date.now() + 2000).toUTCString(),
    }));
    expect(results).toHaveLength(4);
    expect(afterPause).toHaveLength(4);
    for (const gap of gaps(afterPause, rateLimitedAt)) expect(gap).toBeGreaterThanOrEqual(ONE_SECOND_LOWER_BOUND);
  });

  it("a 429 without Retry-After waits for RateLimit-Reset", async () => {
    const { rateLimitedAt, afterPause } = await pauseScenario(() => ({
      "ratelimit-limit": "10",
      "ratelimit-remaining": "0",
      "ratelimit-reset": "1",
    }));
    for (const gap of gaps(afterPause, rateLimitedAt)) expect(gap).toBeGreaterThanOrEqual(ONE_SECOND_LOWER_BOUND);
  });

  it("a 429 without any header backs off and retries", async () => {
    const { results, afterPause, client } = await pauseScenario(() => ({}));
    expect(results).toHaveLength(4);
    expect(afterPause).toHaveLength(4);
    // Full jitter may draw a zero pause, so only the retry itself is certain.
    expect(client.stats.retries).toBe(1);
    expect(client.stats.requests["GET /me"]).toEqual({ "200": 4, "429": 1 });
  });

  it("gives up with RateLimitedError when 429s persist through maxAttempts", async () => {
    const { server, client } = await setUp((_req, res) =>
      sendJson(res, 429, { message: "Rate limit exceeded." }, { "retry-after": "0" }),
    );
    const error = await client.me().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).message).toContain("GET /me");
    expect((error as RateLimitedError).message).toContain("429");
    expect((error as RateLimitedError).message).toContain(`${fastRetry.maxAttempts} attempts`);
    expect(server.requests).toHaveLength(fastRetry.maxAttempts);
  });

  it("pauses pre-emptively when a success says RateLimit-Remaining: 0", async () => {
    let answered = 0;
    const { server, client } = await setUp((_req, res) => {
      answered += 1;
      const spent: Record<string, string> = answered === 1 ? { "ratelimit-limit": "5", "ratelimit-remaining": "0", "ratelimit-reset": "1" } : {};
      sendJson(res, 200, user(), spent);
    });
    await client.me();
    await client.me();
    const [first, second] = server.requests;
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(ONE_SECOND_LOWER_BOUND);
    expect(client.stats.requests["GET /me"]).toEqual({ "200": 2 });
    expect(client.stats.rateLimitWaits.count).toBe(1);
  });

  it("pauses on X-RateLimit-Remaining: 0 when that family has the lower limit", async () => {
    let answered = 0;
    const { server, client } = await setUp((_req, res) => {
      answered += 1;
      const headers: Record<string, string> =
        answered === 1
          ? {
              "ratelimit-limit": "100",
              "ratelimit-remaining": "50",
              "ratelimit-reset": "30",
              "x-ratelimit-limit": "10",
              "x-ratelimit-remaining": "0",
              "x-ratelimit-reset": "1",
            }
          : {};
      sendJson(res, 200, user(), headers);
    });
    await client.me();
    await client.me();
    const [first, second] = server.requests;
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(ONE_SECOND_LOWER_BOUND);
    expect(client.stats.rateLimitWaits.count).toBe(1);
  });

  it("ignores an exhausted window of the family with the higher limit", async () => {
    const { client } = await setUp((_req, res) =>
      sendJson(res, 200, user(), {
        "ratelimit-limit": "10",
        "ratelimit-remaining": "4",
        "x-ratelimit-limit": "100",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": "30",
      }),
    );
    await client.me();
    await client.me();
    expect(client.stats.rateLimitWaits.count).toBe(0);
  });

  it("never has more than `concurrency` requests in flight", async () => {
    const { server, client } = await setUp(
      async (_req, res) => {
        await delay(30);
        sendJson(res, 200, user());
      },
      { concurrency: 3 },
    );
    const results = await Promise.all(Array.from({ length: 12 }, () => client.me()));
    expect(results).toHaveLength(12);
    expect(server.requests).toHaveLength(12);
    expect(server.maxInFlight()).toBe(3);
  });

  it("spends at most the requests-per-second budget in the first second", async () => {
    const { server, client } = await setUp((_req, res) => sendJson(res, 200, user()), {
      concurrency: 8,
      requestsPerSecond: 5,
    });
    const results = await Promise.all(Array.from({ length: 12 }, () => client.me()));
    expect(results).toHaveLength(12);
    const start = server.requests[0]!.receivedAt;
    const inFirstWindow = server.requests.filter((seen) => seen.receivedAt - start < 1000).length;
    // A burst of min(concurrency, rps) = 5, then one every 200 ms: 9 before the second is over.
    expect(inFirstWindow).toBeGreaterThanOrEqual(5);
    expect(inFirstWindow).toBeLessThanOrEqual(10);
    expect(server.requests).toHaveLength(12);
  });
});
