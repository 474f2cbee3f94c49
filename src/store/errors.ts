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

/**
 * A write of the sync leader was refused: the store has seen a newer leader epoch, so this writer lost its lease
 * (it stalled past it, or its renewals failed) and another instance syncs now. Nothing of the batch was applied.
 * The cycle stops at once, as it does when the lease is lost; the next one runs if this instance leads again.
 */
export class WriteFencedError extends StoreError {
  override name = "WriteFencedError";
  readonly code = "SYNC_LEADERSHIP_LOST";
  readonly epoch: number;
  readonly newerEpoch: number;

  constructor(epoch: number, newerEpoch: number) {
    super(
      `the store refused a write of sync leader epoch ${epoch}: leader epoch ${newerEpoch} has been granted since, so this ` +
        "instance no longer holds the sync lease and stops its cycle (the current leader syncs; nothing to fix unless " +
        "it happens often, then raise SYNC_LEADER_TTL_SECONDS above the longest pause of this process)",
    );
    this.epoch = epoch;
    this.newerEpoch = newerEpoch;
  }
}
