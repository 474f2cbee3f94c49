import { describe, expect, it } from "vitest";
import {
  backoffDelayMs,
  classifyStatus,
  enforcedRateLimit,
  exhaustedWindowPauseMs,
  parseRetryAfterMs,
  rateLimitedPauseMs,
} from "../../src/circleci/retry.js";

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
const now = Date.parse("2026-01-01T00:00:00Z");

describe("backoff", () => {
  it("is full jitter under a ceiling that doubles per attempt and is capped", () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, policy, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(200);
  });
});

describe("Retry-After", () => {
  it("reads delta-seconds", () => {
    expect(parseRetryAfterMs("3", now)).toBe(3000);
    expect(parseRetryAfterMs(" 0 ", now)).toBe(0);
    expect(parseRetryAfterMs("1.5", now)).toBe(1500);
  });

  it("reads an HTTP-date, and a past date means now", () => {
    expect(parseRetryAfterMs("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfterMs("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
  });

  it("ignores what it cannot read", () => {
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs("soon", now)).toBeUndefined();
    expect(parseRetryAfterMs("-3", now)).toBeUndefined();
  });
});

describe("rate-limit headers", () => {
  it("reads one family", () => {
    expect(enforcedRateLimit({ "ratelimit-limit": "10", "ratelimit-remaining": "3", "ratelimit-reset": "7" }, now)).toEqual({
      limit: 10,
      remaining: 3,
      resetMs: 7000,
    });
    expect(enforcedRateLimit({}, now)).toBeUndefined();
  });

  it("treats a huge reset as epoch seconds", () => {
    const reset = String(now / 1000 + 4);
    expect(enforcedRateLimit({ "x-ratelimit-reset": reset }, now)?.resetMs).toBe(4000);
  });

  const own = { limit: 100, ms: 1000 };

  it("lets the lower limit win when the families disagree", () => {
    const headers = {
      "ratelimit-limit": "100",
      "ratelimit-remaining": "0",
      "ratelimit-reset": "60",
      "x-ratelimit-limit": "10",
      "x-ratelimit-remaining": "2",
      "x-ratelimit-reset": "5",
    };
    expect(enforcedRateLimit(headers, now)).toEqual({ limit: 10, remaining: 2, resetMs: 5000 });
    expect(exhaustedWindowPauseMs(headers, now, own)).toBeUndefined();
  });

  it("pauses pre-emptively only when the enforced window is spent", () => {
    expect(exhaustedWindowPauseMs({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2" }, now, own)).toBe(2000);
    expect(exhaustedWindowPauseMs({ "x-ratelimit-remaining": "1", "x-ratelimit-reset": "2" }, now, own)).toBeUndefined();
    expect(exhaustedWindowPauseMs({ "x-ratelimit-remaining": "0" }, now, own)).toBeUndefined();
  });

  it("does not pause for a spent window that the client's own window already keeps it within", () => {
    const spent = (limit: string, reset: string) => ({ "ratelimit-limit": limit, "ratelimit-remaining": "0", "ratelimit-reset": reset });
    // The server's 1-second window allows as many as the gate starts per second (or more): the gate holds the next request itself.
    expect(exhaustedWindowPauseMs(spent("100", "1"), now, own)).toBeUndefined();
    expect(exhaustedWindowPauseMs(spent("150", "1"), now, own)).toBeUndefined();
    // Fewer than the gate's budget, a longer window, or no limit to compare: the server's word is all there is.
    expect(exhaustedWindowPauseMs(spent("99", "1"), now, own)).toBe(1000);
    expect(exhaustedWindowPauseMs(spent("100", "60"), now, own)).toBe(60_000);
    expect(exhaustedWindowPauseMs({ "ratelimit-remaining": "0", "ratelimit-reset": "1" }, now, own)).toBe(1000);
  });

  it("takes a 429's pause from Retry-After, then the reset, then backoff", () => {
    const reset = { "ratelimit-remaining": "0", "ratelimit-reset": "9" };
    expect(rateLimitedPauseMs({ "retry-after": "2", ...reset }, now, 1, policy)).toBe(2000);
    expect(rateLimitedPauseMs(reset, now, 1, policy)).toBe(9000);
    expect(rateLimitedPauseMs({}, now, 2, policy, () => 1)).toBe(200);
  });
});

describe("what is retryable", () => {
  it("retries 429 and 5xx, nothing else", () => {
    expect(classifyStatus(200)).toBe("success");
    expect(classifyStatus(429)).toBe("rate-limited");
    expect(classifyStatus(500)).toBe("transient");
    expect(classifyStatus(503)).toBe("transient");
    for (const status of [400, 401, 403, 404, 409, 301]) expect(classifyStatus(status)).toBe("permanent");
  });
});
