import { randomUUID } from "node:crypto";
import { silentLogger } from "../log.js";
import type { Logger } from "../log.js";
import { decodeChangeEvent, encodeChangeEvent } from "./change-event-codec.js";
import { EventBusClosedError, ListenerSet, envelop } from "./events.js";
import type { ChangeEvent, ChangeListener, EventBus, EventBusOptions, Unsubscribe } from "./events.js";
import { DEFAULT_PREFIX } from "./keys.js";
import { closeRedis, openRedis, reconnectingOptions, type RedisClient, type RedisTarget } from "./redis-connection.js";

export interface RedisEventBusOptions extends EventBusOptions {
  /** The deployment's key prefix (`REDIS_PREFIX`); the channel is `<prefix>events`. Default `ccgw:`. */
  prefix?: string;
  /** `REDIS_CLUSTER`: the URL names a Redis Cluster's seeds. Default false. */
  cluster?: boolean;
}

/**
 * The event bus shared by every instance on one Redis: a single pub/sub channel carrying one JSON
 * message per event (`encodeChangeEvent`). Publishing uses an ordinary connection; listening needs a
 * connection of its own in subscriber mode, opened with the first `subscribe`. After Redis restarts,
 * ioredis reconnects and resubscribes by itself; events published while the subscriber was down are
 * not replayed (pub/sub keeps nothing), which is why the sync's polling stays the source of truth.
 */
export class RedisEventBus implements EventBus {
  /**
   * Returns at once; the connections open in the background. While Redis is down, `publish` and a first
   * `subscribe` fail fast (`reconnectingOptions`) instead of queueing.
   */
  static connect(url: string, options: RedisEventBusOptions = {}): RedisEventBus {
    return new RedisEventBus(url, options);
  }

  readonly instanceId: string;
  readonly channel: string;
  readonly #target: RedisTarget;
  readonly #logger: Logger;
  readonly #listeners: ListenerSet;
  readonly #publisher: RedisClient;
  #subscriber: RedisClient | undefined;
  #live: Promise<void> | undefined;
  #closed = false;

  private constructor(url: string, options: RedisEventBusOptions) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.channel = `${options.prefix ?? DEFAULT_PREFIX}events`;
    this.#target = { url, cluster: options.cluster };
    this.#logger = (options.logger ?? silentLogger).child({ component: "event-bus", channel: this.channel });
    this.#listeners = new ListenerSet(this.#logger);
    this.#publisher = openRedis(this.#target, this.#logger, reconnectingOptions());
  }

  async publish(events: readonly ChangeEvent[]): Promise<void> {
    this.#assertOpen();
    if (events.length === 0) return;
    const pipeline = this.#publisher.pipeline();
    for (const event of envelop(events, this.instanceId)) pipeline.publish(this.channel, encodeChangeEvent(event));
    const replies = await pipeline.exec();
    const failure = replies?.find(([error]) => error !== null)?.[0];
    if (failure) throw failure;
  }

  async subscribe(listener: ChangeListener): Promise<Unsubscribe> {
    this.#assertOpen();
    const remove = this.#listeners.add(listener);
    try {
      await this.#listen();
    } catch (error) {
      remove();
      throw error;
    }
    return async () => remove();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    await Promise.all([closeRedis(this.#publisher), this.#subscriber && closeRedis(this.#subscriber)]);
  }

  /**
   * Subscribes the channel once, for every listener, and resolves on Redis's acknowledgement: a message
   * published before it would be missed. The channel stays subscribed until `close`.
   */
  #listen(): Promise<void> {
    this.#live ??= this.#subscribeChannel().catch((error: unknown) => {
      this.#live = undefined;
      throw error;
    });
    return this.#live;
  }

  async #subscribeChannel(): Promise<void> {
    this.#subscriber ??= this.#openSubscriber();
    await this.#subscriber.subscribe(this.channel);
  }

  #openSubscriber(): RedisClient {
    const subscriber = openRedis(this.#target, this.#logger, reconnectingOptions());
    subscriber.on("message", (channel: string, message: string) => {
      if (channel === this.channel) this.#receive(message);
    });
    return subscriber;
  }

  #receive(message: string): void {
    const decoded = decodeChangeEvent(message);
    if ("error" in decoded) {
      this.#logger.warn({ reason: decoded.error, bytes: message.length }, "dropped a malformed change event");
      return;
    }
    this.#listeners.emit(decoded.event);
  }

  #assertOpen(): void {
    if (this.#closed) throw new EventBusClosedError();
  }
}
