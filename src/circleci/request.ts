import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../log.js";
import { errorAfterRetries, errorForStatus } from "./failure.js";
import type { Failure } from "./failure.js";
import type { RateLimitGate } from "./gate.js";
import { backoffDelayMs, classifyStatus, exhaustedWindowPauseMs, rateLimitedPauseMs } from "./retry.js";
import type { RetryPolicy } from "./retry.js";
import type { Route } from "./route.js";
import { errorBodySchema } from "./schemas.js";
import type { StatsRecorder } from "./stats.js";
import type { Exchange, Transport } from "./transport.js";
import type { Validation } from "./validate.js";

export interface RequestEvent {
  endpoint: string;
  status: number | "error";
  attempt: number;
  durationMs: number;
}

export interface RequesterOptions {
  transport: Transport;
  gate: RateLimitGate;
  /** Path of the base URL (CircleCI Server may live under one), without a trailing slash. */
  basePath: string;
  retry: RetryPolicy;
  stats: StatsRecorder;
  logger: Logger;
  /** Removes the token from text that could echo it. */
  scrub: (text: string) => string;
  onRequest?: (event: RequestEvent) => void;
}

/** What one attempt came to: a value, a reason to try again (and how long to hold off), or an error. */
type Verdict<T> =
  | { kind: "done"; value: T }
  | { kind: "retry"; failure: Failure; gatePauseMs?: number }
  | { kind: "fail"; failure: Failure };

/**
 * Runs one logical GET: through the shared gate, over the transport, retried with backoff while
 * the failure is transient, and validated by `parse` (a body that does not fit is treated like a
 * truncated one). Rate-limit answers pause the whole gate rather than just this request.
 */
export class Requester {
  constructor(private readonly options: RequesterOptions) {}

  async get<T>(route: Route, parse: (body: unknown) => Validation<T>): Promise<T> {
    const { retry, stats, logger } = this.options;
    for (let attempt = 1; ; attempt++) {
      const exchange = await this.attempt(route, attempt);
      const verdict = this.judge(exchange, parse, attempt);
      if (verdict.kind === "done") return verdict.value;
      if (verdict.kind === "fail") throw errorFor(route, verdict.failure, attempt);
      if (attempt >= retry.maxAttempts) throw errorAfterRetries(route, verdict.failure, attempt);
      stats.retry();
      logger.warn({ endpoint: route.endpoint, attempt, failure: verdict.failure }, "retrying a CircleCI request");
      if (verdict.gatePauseMs === undefined) {
        await sleep(backoffDelayMs(attempt, retry));
      } else {
        this.options.gate.pauseFor(verdict.gatePauseMs);
        logger.warn({ endpoint: route.endpoint, pauseMs: verdict.gatePauseMs }, "CircleCI rate limit: pausing all requests");
      }
    }
  }

  private async attempt(route: Route, attempt: number): Promise<Exchange> {
    const { gate, transport, basePath, stats, onRequest, logger } = this.options;
    const release = await gate.acquire();
    const started = performance.now();
    let exchange: Exchange;
    try {
      exchange = await transport.get(basePath + route.path);
    } finally {
      release();
    }
    const status = exchange.kind === "network" ? "error" : exchange.status;
    const durationMs = performance.now() - started;
    stats.request(route.endpoint, status);
    onRequest?.({ endpoint: route.endpoint, status, attempt, durationMs });
    logger.debug({ endpoint: route.endpoint, status, attempt, durationMs }, "CircleCI request");
    if (exchange.kind !== "network" && classifyStatus(exchange.status) !== "rate-limited") {
      const pauseMs = exhaustedWindowPauseMs(exchange.headers, Date.now());
      if (pauseMs !== undefined && pauseMs > 0) {
        gate.pauseFor(pauseMs);
        logger.info({ endpoint: route.endpoint, pauseMs }, "CircleCI rate-limit window spent: pausing until it resets");
      }
    }
    return exchange;
  }

  private judge<T>(exchange: Exchange, parse: (body: unknown) => Validation<T>, attempt: number): Verdict<T> {
    const { scrub, retry } = this.options;
    switch (exchange.kind) {
      case "network":
        return { kind: "retry", failure: { kind: "network", problem: scrub(exchange.problem) } };
      case "invalid-body":
        return { kind: "retry", failure: { kind: "format", status: exchange.status, problem: scrub(exchange.problem) } };
      case "too-large":
        return {
          kind: "fail",
          failure: { kind: "format", status: exchange.status, problem: `body larger than maxBodyBytes (${exchange.maxBodyBytes})` },
        };
      case "response":
        break;
    }
    const statusFailure: Failure = { kind: "status", status: exchange.status, upstreamMessage: upstreamMessage(exchange.body, scrub) };
    switch (classifyStatus(exchange.status)) {
      case "success": {
        const parsed = parse(exchange.body);
        return parsed.ok
          ? { kind: "done", value: parsed.value }
          : { kind: "retry", failure: { kind: "format", status: exchange.status, problem: `unexpected shape (${parsed.issues})` } };
      }
      case "rate-limited":
        return { kind: "retry", failure: statusFailure, gatePauseMs: rateLimitedPauseMs(exchange.headers, Date.now(), attempt, retry) };
      case "transient":
        return { kind: "retry", failure: statusFailure };
      case "permanent":
        return { kind: "fail", failure: statusFailure };
    }
  }
}

function errorFor(route: Route, failure: Failure, attempts: number) {
  return failure.kind === "status" ? errorForStatus(route, failure.status, failure.upstreamMessage) : errorAfterRetries(route, failure, attempts);
}

function upstreamMessage(body: unknown, scrub: (text: string) => string): string | undefined {
  const parsed = errorBodySchema.safeParse(body);
  return parsed.success ? scrub(parsed.data.message) : undefined;
}
