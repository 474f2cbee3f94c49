import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../log.js";
import type { CircuitBreaker } from "./breaker.js";
import { CircleCIUnavailableError, RecordRejectedError } from "./errors.js";
import { describeFailure, errorAfterRetries, errorForStatus, isUpstreamDown, outcomeUnknown } from "./failure.js";
import type { Failure } from "./failure.js";
import { WINDOW_MS } from "./gate.js";
import type { RateLimitGate } from "./gate.js";
import { backoffDelayMs, classifyStatus, exhaustedWindowPauseMs, rateLimitedPauseMs } from "./retry.js";
import type { RetryPolicy } from "./retry.js";
import { recordOf } from "./route.js";
import type { Action, Route, WriteRoute } from "./route.js";
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
  breaker: CircuitBreaker;
  /** Path of the base URL (CircleCI Server may live under one), without a trailing slash. */
  basePath: string;
  retry: RetryPolicy;
  stats: StatsRecorder;
  logger: Logger;
  /** Removes the token from text that could echo it. */
  scrub: (text: string) => string;
  onRequest?: (event: RequestEvent) => void;
}

/**
 * What one attempt came to: a value, a failure worth another attempt, a failure no retry can
 * change, a record that does not fit its schema, or (writes only) a failure after which nobody
 * knows whether CircleCI acted. A rate-limited retry waits on the gate (already paused), any other
 * on its own backoff.
 */
type Verdict<T> =
  | { kind: "done"; value: T }
  | { kind: "retry"; failure: Failure; wait: "backoff" | "gate" }
  | { kind: "fail"; failure: Failure }
  | Rejected
  | { kind: "unknown"; failure: Failure; action: Action };

/** CircleCI answered with well-formed JSON that does not fit the schema: the same would come again. */
type Rejected = { kind: "rejected"; status: number; issues: string };

/**
 * How a request's attempts ended: a value, a last failure, a rejected record, an unknown outcome, or the
 * breaker stopping its retries.
 */
type Outcome<T> =
  | { kind: "done"; value: T }
  | { kind: "failed"; failure: Failure; attempts: number; permanent: boolean }
  | Rejected
  | { kind: "unknown"; failure: Failure; action: Action }
  | { kind: "refused"; error: CircleCIUnavailableError };

/** A write's body and what it does; absent for a read. */
interface Write {
  body: unknown;
  action: Action;
}

/**
 * Runs one logical request: through the shared gate, over the transport, validated by `parse`, and
 * retried while that is safe. Rate-limit answers pause the whole gate rather than just this request.
 * The circuit breaker sees every request's outcome and, while CircleCI is down, refuses requests
 * before they reach the gate.
 *
 * A read is retried with backoff while the failure is transient. A body that is not JSON (truncated,
 * a proxy's page) is a transient failure; JSON that does not fit is a record the gateway cannot read,
 * which no retry changes and which says nothing about CircleCI's health: the read fails at once with
 * `RecordRejectedError`, and counts as an answer for the breaker.
 *
 * A write is retried only when CircleCI provably did not act on it: a 429, or a connection that
 * never opened. Once it may have arrived, any failure to get a usable answer (an answer that does
 * not fit included) is an `OutcomeUnknownError` at once: sending it again could trigger a second
 * pipeline or start a second rerun.
 */
export class Requester {
  constructor(private readonly options: RequesterOptions) {}

  /** Settles when the breaker's probe in flight has its answer. */
  private probe: Promise<void> = Promise.resolve();

  /** `record` names what the answer is, for a `RecordRejectedError`; default: the resource the route reads. */
  get<T>(route: Route, parse: (body: unknown) => Validation<T>, record: string = recordOf(route)): Promise<T> {
    return this.run(route, parse, undefined, record);
  }

  /** `body` undefined: a POST without one. */
  write<T>(route: WriteRoute, body: unknown, parse: (body: unknown) => Validation<T>): Promise<T> {
    return this.run(route, parse, { body, action: route.action }, recordOf(route));
  }

  private async run<T>(route: Route, parse: (body: unknown) => Validation<T>, write: Write | undefined, record: string): Promise<T> {
    const { breaker } = this.options;
    let admission = breaker.admit();
    // Calls that arrive while the probe is out wait for its verdict: they go out if CircleCI is back.
    if (!admission.allowed && admission.refusal.phase === "probing") {
      await this.probe;
      admission = breaker.admit();
    }
    if (!admission.allowed) throw new CircleCIUnavailableError(route.endpoint, admission.refusal);
    const sent = this.send(route, parse, write, admission.probe, record);
    if (admission.probe) this.probe = sent.then(ignore, ignore);
    return sent;
  }

  private async send<T>(
    route: Route,
    parse: (body: unknown) => Validation<T>,
    write: Write | undefined,
    probe: boolean,
    record: string,
  ): Promise<T> {
    const outcome = await this.retrying(route, parse, write, probe);
    if (outcome.kind === "done") {
      this.answered();
      return outcome.value;
    }
    if (outcome.kind === "refused") throw outcome.error;
    if (outcome.kind === "rejected") {
      this.answered();
      const { scrub } = this.options;
      throw new RecordRejectedError({ endpoint: route.endpoint, record: scrub(record), issues: scrub(outcome.issues) }, outcome.status);
    }
    const { failure } = outcome;
    const permanent = outcome.kind === "failed" && outcome.permanent;
    // A permanent failure (a 4xx, a body over the size cap) is CircleCI answering, however unhelpfully.
    if (!permanent && isUpstreamDown(failure)) this.failed(describeFailure(route, failure), probe);
    else this.answered();
    if (outcome.kind === "unknown") {
      this.options.logger.warn({ endpoint: route.endpoint, failure }, "a CircleCI write may or may not have taken effect: not sent again");
      throw outcomeUnknown(route, outcome.action, failure);
    }
    throw failure.kind === "status" && permanent
      ? errorForStatus(route, failure.status, failure.upstreamMessage)
      : errorAfterRetries(route, failure, outcome.attempts);
  }

  /** Operators see the breaker's changes in the log, not only in the errors of the calls it refuses. */
  private answered(): void {
    const { breaker, logger } = this.options;
    const wasClosed = breaker.stats.state === "closed";
    breaker.answered();
    if (!wasClosed) logger.info("CircleCI answers again: circuit breaker closed, calls resume");
  }

  private failed(reason: string, probe: boolean): void {
    const { breaker, logger } = this.options;
    const opens = breaker.stats.opens;
    breaker.failed(reason, probe);
    const refusal = breaker.refusal;
    if (breaker.stats.opens > opens && refusal !== undefined) {
      logger.warn({ failures: refusal.failures, last: reason, pauseMs: refusal.retryInMs }, "CircleCI keeps failing: circuit breaker open, calls paused");
    }
  }

  /**
   * The attempts of one request. A probe gets a single attempt: it only asks whether CircleCI is
   * back. Any other request stops retrying once the breaker opens, since other requests have just
   * shown that CircleCI is down.
   */
  private async retrying<T>(
    route: Route,
    parse: (body: unknown) => Validation<T>,
    write: Write | undefined,
    probe: boolean,
  ): Promise<Outcome<T>> {
    const { retry, stats, logger, breaker } = this.options;
    const maxAttempts = probe ? 1 : retry.maxAttempts;
    for (let attempt = 1; ; attempt++) {
      const exchange = await this.attempt(route, attempt, write);
      const verdict = write ? this.judgeWrite(exchange, parse, write.action) : this.judge(exchange, parse);
      if (verdict.kind === "done" || verdict.kind === "rejected" || verdict.kind === "unknown") return verdict;
      if (verdict.kind === "fail") return { kind: "failed", failure: verdict.failure, attempts: attempt, permanent: true };
      if (attempt >= maxAttempts) return { kind: "failed", failure: verdict.failure, attempts: attempt, permanent: false };
      stats.retry();
      logger.warn({ endpoint: route.endpoint, attempt, failure: verdict.failure }, "retrying a CircleCI request");
      if (verdict.wait === "backoff") await sleep(backoffDelayMs(attempt, retry));
      const refusal = breaker.refusal;
      if (refusal !== undefined) return { kind: "refused", error: new CircleCIUnavailableError(route.endpoint, refusal) };
    }
  }

  private async attempt(route: Route, attempt: number, write: Write | undefined): Promise<Exchange> {
    const { gate, transport, basePath, stats, onRequest, logger } = this.options;
    const release = await gate.acquire();
    const started = performance.now();
    let exchange: Exchange;
    try {
      exchange = await transport.request(route.method, basePath + route.path, write?.body);
      // Before the slot is released: otherwise a queued request would slip out ahead of the pause.
      this.pauseIfAsked(route, exchange, attempt);
    } finally {
      release();
    }
    const status = exchange.kind === "network" ? "error" : exchange.status;
    const durationMs = performance.now() - started;
    stats.request(route.endpoint, status);
    onRequest?.({ endpoint: route.endpoint, status, attempt, durationMs });
    logger.debug({ endpoint: route.endpoint, status, attempt, durationMs }, "CircleCI request");
    return exchange;
  }

  /** A 429, or an answer that spent its window, pauses every request of this client. */
  private pauseIfAsked(route: Route, exchange: Exchange, attempt: number): void {
    if (exchange.kind === "network") return;
    const now = Date.now();
    const pauseMs =
      classifyStatus(exchange.status) === "rate-limited"
        ? rateLimitedPauseMs(exchange.headers, now, attempt, this.options.retry)
        : exhaustedWindowPauseMs(exchange.headers, now, { limit: this.options.gate.windowLimit, ms: WINDOW_MS });
    if (pauseMs === undefined || pauseMs <= 0) return;
    this.options.gate.pauseFor(pauseMs);
    this.options.logger.warn(
      { endpoint: route.endpoint, status: exchange.status, pauseMs },
      "CircleCI rate limit: pausing all requests",
    );
  }

  private judge<T>(exchange: Exchange, parse: (body: unknown) => Validation<T>): Verdict<T> {
    const { scrub } = this.options;
    switch (exchange.kind) {
      case "network":
        return { kind: "retry", failure: { kind: "network", problem: scrub(exchange.problem) }, wait: "backoff" };
      case "invalid-body":
        return {
          kind: "retry",
          failure: { kind: "format", status: exchange.status, problem: scrub(exchange.problem) },
          wait: "backoff",
        };
      case "too-large":
        return {
          kind: "fail",
          failure: { kind: "format", status: exchange.status, problem: `body larger than maxBodyBytes (${exchange.maxBodyBytes})` },
        };
      case "response":
        break;
    }
    const failure: Failure = { kind: "status", status: exchange.status, upstreamMessage: upstreamMessage(exchange.body, scrub) };
    switch (classifyStatus(exchange.status)) {
      case "success": {
        const parsed = parse(exchange.body);
        return parsed.ok ? { kind: "done", value: parsed.value } : { kind: "rejected", status: exchange.status, issues: parsed.issues };
      }
      case "rate-limited":
        return { kind: "retry", failure, wait: "gate" };
      case "transient":
        return { kind: "retry", failure, wait: "backoff" };
      case "permanent":
        return { kind: "fail", failure };
    }
  }

  /**
   * A write's verdict: retried only when CircleCI provably did not act (a 429, or no connection
   * opened); refused by a 4xx; any other failure came after it may have arrived, so its outcome is
   * unknown and it must not go out again. A 2xx that does not fit its schema cannot say what CircleCI
   * did (which pipeline, which workflow), so its outcome is unknown too.
   */
  private judgeWrite<T>(exchange: Exchange, parse: (body: unknown) => Validation<T>, action: Action): Verdict<T> {
    const verdict = this.judge(exchange, parse);
    switch (verdict.kind) {
      case "done":
      case "unknown":
        return verdict;
      case "rejected": {
        const problem = this.options.scrub(`unexpected shape (${verdict.issues})`);
        return { kind: "unknown", failure: { kind: "format", status: verdict.status, problem }, action };
      }
      case "retry":
        if (verdict.wait === "gate" || (exchange.kind === "network" && exchange.phase === "connect")) return verdict;
        return { kind: "unknown", failure: verdict.failure, action };
      case "fail":
        return exchange.kind === "response" ? verdict : { kind: "unknown", failure: verdict.failure, action };
    }
  }
}

function ignore(): void {}

function upstreamMessage(body: unknown, scrub: (text: string) => string): string | undefined {
  const parsed = errorBodySchema.safeParse(body);
  return parsed.success ? scrub(parsed.data.message) : undefined;
}
