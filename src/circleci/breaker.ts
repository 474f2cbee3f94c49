/**
 * A circuit breaker over CircleCI as a whole, so a dead upstream costs one fast failure per call
 * instead of a full retry sequence per call. A pure state machine: no I/O and an injected clock.
 *
 * - closed: calls go through; `failureThreshold` failed requests in a row (each after its own
 *   retries) open it. Any answer from CircleCI, a 404 or a 429 included, proves it is up and resets
 *   the count.
 * - open: calls are refused until the cooldown has passed; the next call is then the probe.
 * - half-open: the probe is the only call in flight; the others are refused (the client has them
 *   wait for the probe's verdict first). Its success closes the
 *   breaker (and the cooldown starts over from `cooldownMs`); its failure re-opens it for twice the
 *   previous cooldown, capped at `maxCooldownMs`.
 *
 * Outcomes of requests that were sent before the breaker opened may arrive late: a late failure
 * changes nothing (the breaker already knows), a late success closes it (CircleCI answered).
 */

export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerOptions {
  /** Failed requests in a row that open the breaker. Default 5. */
  failureThreshold?: number;
  /** Pause after the breaker opens. Default 10 s. */
  cooldownMs?: number;
  /** Each failed probe doubles the pause, up to this. Default 2 min. */
  maxCooldownMs?: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

export interface BreakerStats {
  state: BreakerState;
  /** Times the breaker opened, re-openings after a failed probe included. */
  opens: number;
  /** Failed requests since CircleCI last answered. */
  consecutiveFailures: number;
}

/** Why a call was refused: what happened, and what happens next. */
export interface Refusal {
  /** Failed requests since CircleCI last answered. */
  failures: number;
  /** The last failure, e.g. `GET /me: 503 Service Unavailable`. */
  lastFailure: string;
  /** `paused`: no call goes out for `retryInMs`, then one probe; `probing`: the probe is in flight. */
  phase: "paused" | "probing";
  retryInMs: number;
}

export type Admission = { allowed: true; probe: boolean } | { allowed: false; refusal: Refusal };

export const defaultBreakerOptions = { failureThreshold: 5, cooldownMs: 10_000, maxCooldownMs: 120_000 } as const;

export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  readonly maxCooldownMs: number;
  readonly #now: () => number;
  #state: BreakerState = "closed";
  #failures = 0;
  #lastFailure = "";
  #opens = 0;
  #cooldownMs: number;
  #openUntil = 0;

  constructor(options: BreakerOptions = {}) {
    const defaults = defaultBreakerOptions;
    this.failureThreshold = atLeast("failureThreshold", options.failureThreshold ?? defaults.failureThreshold, 1);
    if (!Number.isInteger(this.failureThreshold)) throw new RangeError(`CircuitBreaker: failureThreshold must be an integer, got ${this.failureThreshold}.`);
    this.cooldownMs = atLeast("cooldownMs", options.cooldownMs ?? defaults.cooldownMs, 1);
    // A cooldown longer than the default cap raises the cap to it rather than being refused.
    this.maxCooldownMs = atLeast("maxCooldownMs", options.maxCooldownMs ?? Math.max(this.cooldownMs, defaults.maxCooldownMs), this.cooldownMs);
    this.#now = options.now ?? Date.now;
    this.#cooldownMs = this.cooldownMs;
  }

  /** Asks to send a request. A `probe` must report its outcome: the breaker waits for it. */
  admit(): Admission {
    if (this.#state === "open" && this.#now() >= this.#openUntil) {
      this.#state = "half-open";
      return { allowed: true, probe: true };
    }
    const refusal = this.refusal;
    return refusal === undefined ? { allowed: true, probe: false } : { allowed: false, refusal };
  }

  /** Why a call would be refused now, or `undefined` while the breaker is closed. Changes nothing. */
  get refusal(): Refusal | undefined {
    if (this.#state === "closed") return undefined;
    return {
      failures: this.#failures,
      lastFailure: this.#lastFailure,
      phase: this.#state === "open" ? "paused" : "probing",
      retryInMs: this.#state === "open" ? Math.max(0, this.#openUntil - this.#now()) : 0,
    };
  }

  /** CircleCI answered: a success, or an answer no retry changes (4xx, 429). */
  answered(): void {
    this.#state = "closed";
    this.#failures = 0;
    this.#cooldownMs = this.cooldownMs;
  }

  /** A request failed after its retries: 5xx, no answer, or a body the client cannot use. */
  failed(reason: string, probe: boolean): void {
    if (this.#state === "closed") {
      this.#failures += 1;
      this.#lastFailure = reason;
      if (this.#failures >= this.failureThreshold) this.#open(this.cooldownMs);
      return;
    }
    if (!(probe && this.#state === "half-open")) return;
    this.#failures += 1;
    this.#lastFailure = reason;
    this.#open(Math.min(this.maxCooldownMs, this.#cooldownMs * 2));
  }

  get stats(): BreakerStats {
    return { state: this.#state, opens: this.#opens, consecutiveFailures: this.#failures };
  }

  #open(cooldownMs: number): void {
    this.#state = "open";
    this.#opens += 1;
    this.#cooldownMs = cooldownMs;
    this.#openUntil = this.#now() + cooldownMs;
  }
}

function atLeast(name: string, value: number, minimum: number): number {
  if (!(Number.isFinite(value) && value >= minimum)) {
    throw new RangeError(`CircuitBreaker: ${name} must be a number >= ${minimum}, got ${value}.`);
  }
  return value;
}
