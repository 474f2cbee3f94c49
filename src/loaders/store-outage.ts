import type { Logger } from "../log.js";
import { RepeatedWarning } from "../log-throttle.js";
import { StoreUnavailableError } from "../store/errors.js";

/**
 * How the read path rides out a Redis outage: a store read that cannot reach Redis answers a fallback (for a
 * batch: "not cached"), so the request is served from the L1 and CircleCI, within the client's rate budget,
 * instead of failing. Any other error still fails the read: it is a bug or bad data, not an outage.
 */
export class StoreOutage {
  readonly #warning: RepeatedWarning;

  constructor(logger: Logger) {
    this.#warning = new RepeatedWarning(logger, {
      message: "the store does not answer; reads fall back to the in-process cache and CircleCI",
    });
  }

  /** Outages are logged at most once a minute; the connection itself logs when Redis is back. */
  async read<T, F>(read: () => Promise<T>, fallback: F): Promise<T | F> {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      this.#warning.occurred({ err: error.message });
      return fallback;
    }
  }
}
