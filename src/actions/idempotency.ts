/**
 * "Never twice": an action sent with an idempotency key is done at most once in the key's lifetime (10 minutes), on
 * any instance. The first use claims the key in the store (through the writer: exactly one of concurrent claims
 * wins), does the action, and records what came of it; a repeat, here or on another instance, gets that record
 * instead of a second request to CircleCI, waiting while the first is still at work.
 *
 * What is recorded: the result (a pipeline or workflow id) once CircleCI did it; "unknown" when the request may have
 * reached CircleCI without an answer coming back (a repeat must not risk doing it twice, so it gets the same
 * "unknown"); nothing lasting when CircleCI certainly did nothing (it refused, or the request never left), so the
 * key may be used again.
 */
import { createHash, randomUUID } from "node:crypto";
import { OutcomeUnknownError } from "../circleci/index.js";
import type { Logger } from "../log.js";
import { decodeDocument } from "../store/codec.js";
import type { ActionOutcome, ActionRecord, Store } from "../store/store.js";
import type { ActionWriter } from "../writer/index.js";
import { ActionInputError, ActionOutcomeUnknownError } from "./errors.js";

/** What an action made: the entity a repeat answers with. */
export type ActionResult = Extract<ActionOutcome, { kind: "done" }>["result"];

export type Once<T> =
  /** This call did the action: `value` is what it answered. */
  | { replayed: false; value: T }
  /** An earlier call with the same key did it: its result. */
  | { replayed: true; result: ActionResult };

export interface IdempotencyTiming {
  /** How long a key is remembered from its first use. Default 10 minutes. */
  ttlMs?: number;
  /** How long a repeat waits for a first use still at work. Default 60 s. */
  waitMs?: number;
  /** How often it looks meanwhile. Default 50 ms. */
  pollMs?: number;
}

export const IDEMPOTENCY_TTL_MS = 10 * 60_000;
const DEFAULT_WAIT_MS = 60_000;
const DEFAULT_POLL_MS = 50;

export class IdempotencyKeys {
  readonly #writer: ActionWriter;
  readonly #store: Pick<Store, "getDocumentTexts">;
  readonly #logger: Logger;
  readonly #ttlMs: number;
  readonly #waitMs: number;
  readonly #pollMs: number;

  constructor(writer: ActionWriter, store: Pick<Store, "getDocumentTexts">, logger: Logger, timing: IdempotencyTiming = {}) {
    this.#writer = writer;
    this.#store = store;
    this.#logger = logger;
    this.#ttlMs = timing.ttlMs ?? IDEMPOTENCY_TTL_MS;
    this.#waitMs = timing.waitMs ?? DEFAULT_WAIT_MS;
    this.#pollMs = timing.pollMs ?? DEFAULT_POLL_MS;
  }

  /**
   * Runs `act` unless `key` was used: `act` sends the action to CircleCI and says what it made (`resultOf`). A key
   * first used for another action or other arguments (`fingerprint`) is refused, as a client's mistake.
   */
  async once<T>(action: string, key: string, fingerprint: string, act: () => Promise<T>, resultOf: (value: T) => ActionResult): Promise<Once<T>> {
    const recordKey = createHash("sha256").update(key).digest("hex");
    const deadline = Date.now() + this.#waitMs;
    for (;;) {
      const claim: ActionRecord = { action, fingerprint, claimant: randomUUID(), claimedAt: Date.now() };
      const held = await this.#writer.claimAction(recordKey, claim, this.#ttlMs);
      if (held === undefined) return { replayed: false, value: await this.#settling(recordKey, claim, act, resultOf) };
      if (held.action !== action || held.fingerprint !== fingerprint) {
        throw new ActionInputError(
          `idempotencyKey "${key}" was used for ${held.action === action ? "this action with other arguments" : held.action} in the last ${minutes(this.#ttlMs)}: send a new key for a new request`,
        );
      }
      const outcome = held.outcome ?? (await this.#settled(recordKey, deadline));
      if (outcome === undefined || outcome.kind === "released") continue;
      if (outcome.kind === "done") return { replayed: true, result: outcome.result };
      throw new ActionOutcomeUnknownError(`an earlier request with idempotencyKey "${key}" was not answered, so it was not sent again: ${outcome.message}`);
    }
  }

  /** Acts as the key's claimant, and records what came of it. */
  async #settling<T>(recordKey: string, claim: ActionRecord, act: () => Promise<T>, resultOf: (value: T) => ActionResult): Promise<T> {
    let value: T;
    try {
      value = await act();
    } catch (error) {
      const outcome: ActionOutcome = error instanceof OutcomeUnknownError ? { kind: "unknown", message: error.message } : { kind: "released" };
      await this.#settle(recordKey, { ...claim, outcome });
      throw error;
    }
    await this.#settle(recordKey, { ...claim, outcome: { kind: "done", result: resultOf(value) } });
    return value;
  }

  /** Whatever happens here, the action's own outcome stands: a claim left unsettled only makes repeats wait, then answer "unknown". */
  async #settle(recordKey: string, settled: ActionRecord): Promise<void> {
    const ttlMs = Math.max(1, Math.ceil(settled.claimedAt + this.#ttlMs - Date.now()));
    try {
      if (!(await this.#writer.settleAction(recordKey, settled, ttlMs))) this.#logger.warn({ outcome: settled.outcome?.kind }, "an idempotency key's claim ran out before its action ended");
    } catch (error) {
      this.#logger.warn({ err: error, outcome: settled.outcome?.kind }, "could not record an action's outcome under its idempotency key");
    }
  }

  /**
   * The outcome of the claim on the key once settled; undefined once there is none (it ran out, or was released
   * and cleared), so the caller claims the key again. Past the deadline the outcome is unknown.
   */
  async #settled(recordKey: string, deadline: number): Promise<ActionOutcome | undefined> {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
      const [text] = await this.#store.getDocumentTexts([{ kind: "actionRecord", key: recordKey }]);
      if (text === undefined) return undefined;
      const outcome = decodeDocument<ActionRecord>(text)?.outcome;
      if (outcome !== undefined) return outcome;
      if (Date.now() > deadline) {
        return {
          kind: "unknown",
          message: `it is still at work after ${Math.round(this.#waitMs / 1000)} s, or the instance sending it stopped; try again with the same key later`,
        };
      }
    }
  }
}

function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} minutes`;
}
