/**
 * The plumbing that keeps CircleCI calls few: a bound on how many run at once, one fetch per key shared by the
 * requests running while it is fetched (so concurrent misses make one call), and a per-request memo over it (so one
 * request never calls twice for a key, even after that call failed).
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

/**
 * CircleCI fetches shared between requests: one promise per key while it is pending, and for a while after it
 * settled, the result, for requests that began before it arrived. Such a request asked while the data was being
 * fetched, so the answer is no older than the request; a request that begins later fetches anew (nothing here
 * stands in for a cache: no write announces when CircleCI's data changes).
 */
export class SharedFetches {
  readonly #fetches = new Map<string, { promise: Promise<unknown>; settledAt?: number }>();
  /** How long a settled fetch is kept for the requests still running: the longest a request waits for CircleCI. */
  readonly #retainMs: number;
  readonly #now: () => number;

  constructor(retainMs: number, now: () => number = () => performance.now()) {
    this.#retainMs = retainMs;
    this.#now = now;
  }

  /** The fetch of `key` for a request that began at `since` (on this object's clock, `now`). */
  /** The clock requests are stamped with: monotonic, sub-millisecond, so "began before it settled" is exact. */
  now(): number {
    return this.#now();
  }

  share<T>(key: string, since: number, start: () => Promise<T>): Promise<T> {
    this.#forgetSettledBefore(this.#now() - this.#retainMs);
    const existing = this.#fetches.get(key);
    if (existing !== undefined && (existing.settledAt === undefined || existing.settledAt > since)) return existing.promise as Promise<T>;
    const fetch = { promise: start() as Promise<unknown>, settledAt: undefined as number | undefined };
    const settle = (): void => {
      if (this.#fetches.get(key) !== fetch) return;
      // Re-inserted, so the map stays in settling order and the oldest are forgotten first.
      this.#fetches.delete(key);
      fetch.settledAt = this.#now();
      this.#fetches.set(key, fetch);
    };
    fetch.promise.then(settle, settle);
    this.#fetches.set(key, fetch);
    return fetch.promise as Promise<T>;
  }

  #forgetSettledBefore(cutoff: number): void {
    for (const [key, fetch] of this.#fetches) {
      if (fetch.settledAt === undefined) continue;
      if (fetch.settledAt >= cutoff) return;
      this.#fetches.delete(key);
    }
  }
}

/** A request's view of `SharedFetches`: every key it asked for answers the same promise for the rest of the request. */
export class RequestMemo {
  readonly #shared: SharedFetches;
  readonly #since: number;
  readonly #seen = new Map<string, Promise<unknown>>();

  constructor(shared: SharedFetches) {
    this.#shared = shared;
    this.#since = shared.now();
  }

  get<T>(key: string, start: () => Promise<T>): Promise<T> {
    const seen = this.#seen.get(key);
    if (seen !== undefined) return seen as Promise<T>;
    const promise = this.#shared.share(key, this.#since, start);
    this.#seen.set(key, promise);
    return promise;
  }
}
