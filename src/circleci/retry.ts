/**
 * Pure retry policy: how long to back off, how to read CircleCI's rate-limit headers, and which
 * answers are worth another attempt. No I/O and no clock of its own (callers pass `now`), so every
 * rule here is a plain function test.
 */

export interface RetryPolicy {
  /** Attempts per request, the first included. Default 5. */
  maxAttempts: number;
  /** Backoff ceiling of the first retry; doubles per attempt. Default 250 ms. */
  baseDelayMs: number;
  /** Cap on any single backoff. Default 30 s. */
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 30_000 };

/** Header lookup by lower-case name (undici's shape: repeated headers arrive as arrays). */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * "Full jitter" (uniform in [0, ceiling]): spreads the retries of many clients hit by the same
 * outage instead of having them come back in lockstep. `attempt` is the attempt that just failed.
 */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

/** `Retry-After` as delta-seconds or an HTTP-date (CircleCI does not say which it sends). */
export function parseRetryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^[+-]?\d+(\.\d+)?$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  }
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface RateLimitWindow {
  limit: number | undefined;
  remaining: number | undefined;
  /** Milliseconds until the window resets. */
  resetMs: number | undefined;
}

/** Values this large are epoch seconds, not "seconds until reset" (some gateways send those). */
const EPOCH_SECONDS_THRESHOLD = 1_000_000_000;

function parseNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const parsed = Number(value.trim());
  return Number.isFinite(parsed) ? parsed : undefined;
}

function parseResetMs(value: string | undefined, now: number): number | undefined {
  const seconds = parseNumber(value);
  if (seconds === undefined) return undefined;
  const ms = seconds >= EPOCH_SECONDS_THRESHOLD ? seconds * 1000 - now : seconds * 1000;
  return Math.max(0, Math.round(ms));
}

function readFamily(headers: ResponseHeaders, prefix: string, now: number): RateLimitWindow | undefined {
  const window: RateLimitWindow = {
    limit: parseNumber(header(headers, `${prefix}-limit`)),
    remaining: parseNumber(header(headers, `${prefix}-remaining`)),
    resetMs: parseResetMs(header(headers, `${prefix}-reset`), now),
  };
  const present = window.limit !== undefined || window.remaining !== undefined || window.resetMs !== undefined;
  return present ? window : undefined;
}

/**
 * The rate-limit window CircleCI enforces. It may send both `RateLimit-*` and `X-RateLimit-*`;
 * its docs say that when they disagree the lower limit is the one enforced. Without limits to
 * compare, the family with fewer requests remaining is the binding one.
 */
export function enforcedRateLimit(headers: ResponseHeaders, now: number): RateLimitWindow | undefined {
  const standard = readFamily(headers, "ratelimit", now);
  const legacy = readFamily(headers, "x-ratelimit", now);
  if (standard === undefined || legacy === undefined) return standard ?? legacy;
  if (standard.limit !== undefined && legacy.limit !== undefined) {
    return legacy.limit < standard.limit ? legacy : standard;
  }
  return (legacy.remaining ?? Infinity) < (standard.remaining ?? Infinity) ? legacy : standard;
}

/** How many requests the client's own gate starts at most within how many ms. */
export interface OwnWindow {
  limit: number;
  ms: number;
}

/**
 * A successful answer that spent the last request of its window: pause until it resets. Unless the
 * client's own window already keeps it within that one (a server window no longer than the client's
 * that allows at least as many): then a remaining of 0 only says the client used its whole budget,
 * its gate holds the next request until the window moves on, and the reset, in whole seconds, would
 * overshoot by up to a second and waste the next window.
 */
export function exhaustedWindowPauseMs(headers: ResponseHeaders, now: number, own: OwnWindow): number | undefined {
  const window = enforcedRateLimit(headers, now);
  if (window === undefined || window.remaining === undefined || window.remaining > 0) return undefined;
  const withinOwn = window.limit !== undefined && window.limit >= own.limit && window.resetMs !== undefined && window.resetMs <= own.ms;
  return withinOwn ? undefined : window.resetMs;
}

/** How long a 429 asks everyone to wait: Retry-After, else the window reset, else backoff. */
export function rateLimitedPauseMs(
  headers: ResponseHeaders,
  now: number,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  return (
    parseRetryAfterMs(header(headers, "retry-after"), now) ??
    enforcedRateLimit(headers, now)?.resetMs ??
    backoffDelayMs(attempt, policy, random)
  );
}

export type StatusClass = "success" | "rate-limited" | "transient" | "permanent";

/** 429 and 5xx can succeed on a later attempt; any other non-2xx answer will not. */
export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return "success";
  if (status === 429) return "rate-limited";
  if (status >= 500) return "transient";
  return "permanent";
}
