import type { AuthenticationError } from "../circleci/index.js";
import type { WriteFencedError } from "../store/errors.js";

/** Thrown at a safe point once the cycle must stop; caught by the engine, never reported as a stream error. */
export class SyncAbortedError extends Error {
  override name = "SyncAbortedError";

  constructor() {
    super("the sync cycle was stopped");
  }
}

/**
 * Why a cycle stops early: the caller's signal (leadership lost, shutdown), the store refusing a write
 * for a newer leader's epoch (leadership lost, noticed by the store first), or a bad token, which
 * would fail every later call the same way. Streams call `checkpoint()` between batches and before
 * writing, so a stop never leaves a batch half written.
 */
export class CycleStop {
  readonly #signal: AbortSignal | undefined;
  #failure: AuthenticationError | undefined;
  #fenced: WriteFencedError | undefined;

  constructor(signal: AbortSignal | undefined) {
    this.#signal = signal;
  }

  /** The caller asked to stop, or the store refused a write of this cycle's epoch. */
  get aborted(): boolean {
    return this.#signal?.aborted === true || this.#fenced !== undefined;
  }

  fence(error: WriteFencedError): void {
    this.#fenced ??= error;
  }

  get failure(): AuthenticationError | undefined {
    return this.#failure;
  }

  fail(error: AuthenticationError): void {
    this.#failure ??= error;
  }

  checkpoint(): void {
    if (this.aborted || this.#failure !== undefined) throw new SyncAbortedError();
  }
}
