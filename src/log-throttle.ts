import type { Logger } from "./log.js";

export interface RepeatedWarningOptions {
  /** The line every occurrence would log. */
  message: string;
  /** `warn` by default; `error` for failures an operator must act on if they last. */
  level?: "warn" | "error";
  /** While the run lasts, at most one line per this many ms. Default 60 000. */
  intervalMs?: number;
  /** Epoch ms. Default `Date.now`; tests pass their own. */
  now?: () => number;
}

/**
 * A warning that repeats while one condition lasts (Redis down, a failing sync): the first occurrence is
 * logged at once, later ones at most once per interval with how many were held back, and `resolve` says the
 * condition ended. Without it, an outage would log one line per reconnection attempt, per connection, per
 * request, burying whatever else the log says.
 */
export class RepeatedWarning {
  readonly #logger: Logger;
  readonly #message: string;
  readonly #level: "warn" | "error";
  readonly #intervalMs: number;
  readonly #now: () => number;
  #lastLoggedAt: number | undefined;
  #heldBack = 0;
  #occurrences = 0;

  constructor(logger: Logger, options: RepeatedWarningOptions) {
    this.#logger = logger;
    this.#message = options.message;
    this.#level = options.level ?? "warn";
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  occurred(fields: Record<string, unknown> = {}): void {
    this.#occurrences += 1;
    const now = this.#now();
    if (this.#lastLoggedAt !== undefined && now - this.#lastLoggedAt < this.#intervalMs) {
      this.#heldBack += 1;
      return;
    }
    const repeats = this.#heldBack === 0 ? {} : { repeatedSinceLastLog: this.#heldBack };
    this.#logger[this.#level]({ ...fields, ...repeats }, this.#message);
    this.#lastLoggedAt = now;
    this.#heldBack = 0;
  }

  /** Ends the run; logs `message` at info, with the run's count, only if the condition was on. */
  resolve(message: string): void {
    if (this.#occurrences === 0) return;
    this.#logger.info({ occurrences: this.#occurrences }, message);
    this.#lastLoggedAt = undefined;
    this.#heldBack = 0;
    this.#occurrences = 0;
  }
}
