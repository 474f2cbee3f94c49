/** CircleCI publishes no numbers for its read endpoints (API.md §3), so every knob here is configurable. */
export interface RateLimitOptions {
  /** Budget per fixed, clock-aligned 1-second window. */
  requestsPerSecond: number;
  /** How a 429 says when to come back; CircleCI does not document which form it uses. Default "seconds". */
  retryAfter?: "seconds" | "http-date" | "none";
  /** Which informational header family to send, on every API response. Default "both". */
  headers?: "ratelimit" | "x-ratelimit" | "both" | "none";
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch ms when the current window ends. */
  resetsAt: number;
}

const WINDOW_MS = 1000;

export class FixedWindowRateLimiter {
  readonly #limit: number;
  #window = -1;
  #used = 0;

  constructor(requestsPerSecond: number) {
    if (!(requestsPerSecond > 0)) throw new RangeError(`requestsPerSecond must be positive, got ${requestsPerSecond}`);
    this.#limit = Math.floor(requestsPerSecond);
  }

  /** Spends one request of the current window's budget if there is any left. */
  take(now: number): RateDecision {
    const window = Math.floor(now / WINDOW_MS);
    if (window !== this.#window) {
      this.#window = window;
      this.#used = 0;
    }
    const allowed = this.#used < this.#limit;
    if (allowed) this.#used += 1;
    return { allowed, limit: this.#limit, remaining: this.#limit - this.#used, resetsAt: (window + 1) * WINDOW_MS };
  }
}

/** The informational headers (both families mean the same thing here: a 1-second window). */
export function rateLimitHeaders(decision: RateDecision, options: RateLimitOptions, now: number): Record<string, string> {
  const family = options.headers ?? "both";
  const values = {
    Limit: String(decision.limit),
    Remaining: String(decision.remaining),
    Reset: String(secondsUntil(decision.resetsAt, now)),
  };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (family === "ratelimit" || family === "both") headers[`RateLimit-${name}`] = value;
    if (family === "x-ratelimit" || family === "both") headers[`X-RateLimit-${name}`] = value;
  }
  return headers;
}

/** `Retry-After` for a throttled request, or undefined when configured to send none. */
export function retryAfterHeader(decision: RateDecision, options: RateLimitOptions, now: number): string | undefined {
  switch (options.retryAfter ?? "seconds") {
    case "seconds":
      return String(secondsUntil(decision.resetsAt, now));
    case "http-date":
      // Windows are aligned to whole seconds, so the HTTP date (1-second resolution) is exact.
      return new Date(decision.resetsAt).toUTCString();
    case "none":
      return undefined;
  }
}

function secondsUntil(instant: number, now: number): number {
  return Math.max(1, Math.ceil((instant - now) / 1000));
}
