import { z } from "zod";
import { messageOf } from "../error-message.js";
import { silentLogger } from "../log.js";
import type { Logger } from "../log.js";
import type { InvalidationListener, Invalidations } from "./invalidations.js";
import { DEFAULT_PREFIX, keyLayout } from "./keys.js";
import type { KeyLayout } from "./keys.js";
import { closeRedis, openRedis, reconnectingOptions, type RedisClient } from "./redis-connection.js";
import { execGrouped, repliesOf } from "./slot-batch.js";
import type { Tag } from "./tags.js";

export interface RedisInvalidationsOptions {
  /** The deployment's key prefix (`REDIS_PREFIX`); the channel is `<prefix>invalidations`. Default `ccgw:`. */
  prefix?: string;
  /** `REDIS_CLUSTER`: the URL names a Redis Cluster's seeds, and every slot has its own sequence. Default false. */
  cluster?: boolean;
  logger?: Logger;
  /** Longest a `barrier` waits for invalidations to arrive before it resets every cache instead. Default 1000. */
  barrierTimeoutMs?: number;
}

/** What the write script publishes: the sequence's key, its value after the write, and the tags it changed. */
const messageSchema = z.object({ q: z.string(), s: z.number().int().nonnegative(), t: z.array(z.string()) });

interface Waiter {
  targets: ReadonlyMap<string, number>;
  resolve(): void;
}

/**
 * The invalidations of a deployment on Redis, as this instance receives them: the write script publishes each write's
 * tags with the write sequence's new value on `<prefix>invalidations`, and a subscriber connection of this class's
 * own delivers them to the listeners in order. Pub/sub keeps nothing, so whatever may have lost a message resets
 * every cache: the subscriber connection coming back after a drop, a message whose sequence skips a value, or a
 * barrier that cannot catch up.
 *
 * On a cluster each slot has its own sequence, and the channel is classic pub/sub, not sharded: a PUBLISH reaches
 * the subscribers on every node (the cluster bus broadcasts it), so one subscriber connection to any node hears
 * every slot's writes, and one channel keeps this class the same on both. Sharded pub/sub would need a subscription
 * per slot, on the node serving it, for slots that come and go with projects. The messages of one slot come from
 * the one node that serves it, in order; a failover may drop some, which the gap in that slot's sequence reveals.
 */
export class RedisInvalidations implements Invalidations {
  /** Returns at once; both connections open in the background. */
  static connect(url: string, options: RedisInvalidationsOptions = {}): RedisInvalidations {
    return new RedisInvalidations(url, options);
  }

  readonly channel: string;
  readonly #keys: KeyLayout;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #subscriber: RedisClient;
  /** For reading the sequences: a subscribed connection cannot. */
  readonly #reader: RedisClient;
  readonly #listeners = new Set<{ listener: InvalidationListener }>();
  readonly #resetListeners = new Set<{ listener: () => void }>();
  /** Per sequence key, the newest value delivered; absent until known. */
  readonly #delivered = new Map<string, number>();
  readonly #waiters = new Set<Waiter>();
  /** Settles (never rejects) once the channel is subscribed on the current connection and what was written before is known. */
  #live: Promise<void>;
  /** The sequence read that callers of `barrier` share until it is sent. */
  #nextRead: Promise<Map<string, number>> | undefined;
  #connectedBefore = false;
  #closed = false;
  #sequenceReads = 0;

  private constructor(url: string, options: RedisInvalidationsOptions) {
    this.#keys = keyLayout(options.prefix ?? DEFAULT_PREFIX, { cluster: options.cluster });
    this.channel = this.#keys.invalidations;
    this.#logger = (options.logger ?? silentLogger).child({ component: "invalidations", channel: this.channel });
    this.#timeoutMs = options.barrierTimeoutMs ?? 1000;
    const target = { url, cluster: options.cluster };
    this.#reader = openRedis(target, this.#logger, reconnectingOptions());
    this.#subscriber = openRedis(target, this.#logger, reconnectingOptions());
    this.#subscriber.on("message", (channel: string, message: string) => {
      if (channel === this.channel) this.#receive(message);
    });
    let started: () => void = () => undefined;
    this.#live = new Promise((resolve) => (started = resolve));
    this.#subscriber.on("ready", () => {
      const reconnected = this.#connectedBefore;
      this.#connectedBefore = true;
      this.#live = this.#listen(reconnected).then(
        () => started(),
        (error: unknown) => {
          this.#logger.warn({ err: messageOf(error) }, "could not subscribe to invalidations; barriers reset the caches until it can");
          started();
        },
      );
    });
  }

  /** Round trips sent to read the write sequence so far (each shared by the barriers that arrived before it). */
  get sequenceReads(): number {
    return this.#sequenceReads;
  }

  subscribe(listener: InvalidationListener): () => void {
    const entry = { listener };
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  onReset(listener: () => void): () => void {
    const entry = { listener };
    this.#resetListeners.add(entry);
    return () => void this.#resetListeners.delete(entry);
  }

  /**
   * Reads the write sequences in one round trip (on a cluster: one for the registry of slots, then one per node),
   * shared by every caller that arrived before it was sent, then waits
   * until the invalidations up to them have been delivered. Past the timeout (or when Redis cannot be asked) it
   * resets every cache and resolves: a reader then finds nothing older than the writes before the call.
   */
  async barrier(): Promise<void> {
    if (this.#closed) return;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<"expired">((resolve) => {
      timer = setTimeout(() => resolve("expired"), this.#timeoutMs);
    });
    const caughtUp = (async () => {
      await this.#live;
      await this.#caughtUp(await this.#readSequences());
      return "caught up" as const;
    })();
    try {
      if ((await Promise.race([caughtUp, expired])) === "expired") this.#reset("a barrier waited too long for invalidations");
    } catch (error) {
      this.#reset(`a barrier could not read the write sequence: ${messageOf(error)}`);
    } finally {
      clearTimeout(timer);
      caughtUp.catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#resetListeners.clear();
    for (const waiter of this.#waiters) waiter.resolve();
    this.#waiters.clear();
    await Promise.all([closeRedis(this.#subscriber), closeRedis(this.#reader)]);
  }

  /**
   * Subscribes (again), then learns the sequences: what was written before is nothing to wait for. After a
   * reconnection what was published meanwhile is lost, so every cache starts over.
   */
  async #listen(reconnected: boolean): Promise<void> {
    if (reconnected) this.#delivered.clear();
    try {
      await this.#subscriber.subscribe(this.channel);
      for (const [key, value] of await this.#readSequences()) this.#deliveredUpTo(key, value);
    } finally {
      if (reconnected) this.#reset("the invalidation connection was lost and is back");
    }
  }

  #readSequences(): Promise<Map<string, number>> {
    this.#nextRead ??= Promise.resolve().then(async () => {
      this.#nextRead = undefined;
      this.#sequenceReads += 1;
      const keys = this.#keys;
      const slots = keys.perSlot ? await this.#reader.hkeys(keys.slots) : [];
      const sequences = [keys.shared, ...slots].map((slot) => keys.sequence(slot));
      const values = repliesOf(await execGrouped(this.#reader, (on) => sequences.forEach((key) => on(key).get(key))));
      return new Map(sequences.map((key, index) => [key, Number(values[index] ?? 0)]));
    });
    return this.#nextRead;
  }

  #caughtUp(targets: ReadonlyMap<string, number>): Promise<void> {
    if (this.#reached(targets)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        targets,
        resolve: () => {
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      this.#waiters.add(waiter);
    });
  }

  #reached(targets: ReadonlyMap<string, number>): boolean {
    return [...targets].every(([key, target]) => (this.#delivered.get(key) ?? 0) >= target);
  }

  #receive(text: string): void {
    const parsed = parseMessage(text);
    if (parsed === undefined) {
      this.#logger.warn({ bytes: text.length }, "dropped a malformed invalidation; every cache is reset");
      this.#reset("a malformed invalidation");
      return;
    }
    const previous = this.#delivered.get(parsed.q);
    this.#emit(parsed.t);
    if (previous !== undefined && parsed.s > previous + 1) this.#reset(`invalidations ${previous + 1} to ${parsed.s - 1} never arrived`);
    this.#deliveredUpTo(parsed.q, parsed.s);
  }

  #deliveredUpTo(key: string, value: number): void {
    this.#delivered.set(key, Math.max(this.#delivered.get(key) ?? 0, value));
    for (const waiter of [...this.#waiters]) if (this.#reached(waiter.targets)) waiter.resolve();
  }

  #emit(changed: readonly Tag[]): void {
    for (const { listener } of [...this.#listeners]) {
      try {
        listener(changed);
      } catch (error) {
        this.#logger.error({ err: error }, "invalidation listener failed");
      }
    }
  }

  #reset(reason: string): void {
    if (this.#closed) return;
    this.#logger.info({ reason }, "every cache is reset");
    for (const { listener } of [...this.#resetListeners]) {
      try {
        listener();
      } catch (error) {
        this.#logger.error({ err: error }, "invalidation reset listener failed");
      }
    }
  }
}

function parseMessage(text: string): z.infer<typeof messageSchema> | undefined {
  try {
    const parsed = messageSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
