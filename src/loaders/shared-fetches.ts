/**
 * The plumbing that keeps CircleCI calls few: a bound on how many run at once, one in-flight
 * promise per key shared by every request (so concurrent misses make one call), and a per-request
 * memo over it (so one request never calls twice for a key, even after that call failed).
 */

export class ConcurrencyLimit {
  readonly #max: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${max}`);
    this.#max = max;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running += 1;
    try {
      return await task();
    } finally {
      // A waiter inherits the slot, so a newcomer cannot overtake the queue.
      const next = this.#waiting.shift();
      if (next === undefined) this.#running -= 1;
      else next();
    }
  }
}

/** One promise per key while it is pending; settled keys are forgotten (the caches keep the results). */
export class InFlight {
  readonly #pending = new Map<string, Promise<unknown>>();

  share<T>(key: string, start: () => Promise<T>): Promise<T> {
    const existing = this.#pending.get(key);
    if (existing !== undefined) return existing as Promise<T>;
    const promise = start().finally(() => this.#pending.delete(key));
    this.#pending.set(key, promise);
    return promise;
  }
}

/** A request's view of `InFlight`: every key it asked for answers the same promise for the rest of the request. */
export class RequestMemo {
  readonly #shared: InFlight;
  readonly #seen = new Map<string, Promise<unknown>>();

  constructor(shared: InFlight) {
    this.#shared = shared;
  }

  get<T>(key: string, start: () => Promise<T>): Promise<T> {
    const seen = this.#seen.get(key);
    if (seen !== undefined) return seen as Promise<T>;
    const promise = this.#shared.share(key, start);
    this.#seen.set(key, promise);
    return promise;
  }
}
