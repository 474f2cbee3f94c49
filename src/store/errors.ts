import { messageOf } from "../error-message.js";

/** Base class of the errors a `Store` raises itself, so callers can tell them from programming errors. */
export class StoreError extends Error {
  override name = "StoreError";
}

/**
 * Redis cannot be reached (down, restarting, refusing connections or not answering in time). Transient:
 * the connection keeps reconnecting in the background, so the same store answers again once Redis is back.
 * The message names the server by host and port only, never by its URL (which may hold a password).
 */
export class StoreUnavailableError extends StoreError {
  override name = "StoreUnavailableError";
  readonly address: string;

  constructor(address: string, options: { cause: unknown }) {
    super(`Redis at ${address} is unreachable: ${messageOf(options.cause)}`, options);
    this.address = address;
  }
}

/** The store was closed by its owner; it will not answer again. */
export class StoreClosedError extends StoreError {
  override name = "StoreClosedError";

  constructor() {
    super("the store is closed");
  }
}
