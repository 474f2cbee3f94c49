import { randomUUID } from "node:crypto";
import type { BoardEntry } from "../answers/index.js";
import type { Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import { silentLogger } from "../log.js";
import type { Logger } from "../log.js";

/** A change the sync (or a webhook) wrote to the store; subscriptions push these to clients. */
export type ChangeEvent =
  | { type: "pipeline.created"; projectSlug: string; pipeline: Pipeline }
  | { type: "workflow.status_changed"; projectSlug: string; workflow: Workflow; previousStatus: string | null }
  | { type: "job.status_changed"; projectSlug: string; workflowId: string; job: WorkflowJob; previousStatus: string | null }
  /** An approval job went on hold: its documents as they were written then. */
  | { type: "approval.requested"; projectSlug: string; approval: ApprovalRequested }
  /** A status board entry is new, or its latest run, its last finished run or its status changed. */
  | { type: "board.changed"; projectSlug: string; entry: BoardEntry };

/** An approval waiting, with the documents it belongs to. */
export interface ApprovalRequested {
  job: WorkflowJob;
  workflow: Workflow;
  pipeline: Pipeline;
  waitingSince: string;
}

/**
 * Stamped on every event at publication. Delivery across instances is at-least-once (a publisher may
 * retry a batch whose reply it never saw), so consumers that must not apply an event twice keep the
 * `eventId`s they have seen; `origin` tells an instance its own events from the others'.
 */
export interface EventEnvelope {
  /** A random UUID, unique per published event. */
  eventId: string;
  /** The `instanceId` of the bus that published it. */
  origin: string;
}

/** What listeners receive: the published event, flat, with its envelope fields beside `type`. */
export type DeliveredChangeEvent = ChangeEvent & EventEnvelope;

/** A listener's exceptions and rejections are logged and never reach the publisher or other listeners. */
export type ChangeListener = (event: DeliveredChangeEvent) => void | Promise<void>;

/** Removes the listener it was returned for. */
export type Unsubscribe = () => Promise<void>;

/**
 * Fans change events out to every listener of every instance, the publisher's own included, in
 * publication order per publisher. Delivery is always asynchronous: `publish` never runs listener code.
 */
export interface EventBus {
  /** Publishes a batch in one round trip. */
  publish(events: readonly ChangeEvent[]): Promise<void>;
  /** Resolves once the subscription is live: every event published after that reaches the listener. */
  subscribe(listener: ChangeListener): Promise<Unsubscribe>;
  /** Drops every listener and the bus's connections; `publish` and `subscribe` reject afterwards. */
  close(): Promise<void>;
}

export interface EventBusOptions {
  /** Names this process in the `origin` of the events it publishes. Default: a random UUID. */
  instanceId?: string;
  /** Receives listener failures (and, for Redis, dropped messages). Default: silent. */
  logger?: Logger;
}

export class EventBusClosedError extends Error {
  override name = "EventBusClosedError";

  constructor() {
    super("the event bus is closed");
  }
}

export function envelop(events: readonly ChangeEvent[], origin: string): DeliveredChangeEvent[] {
  return events.map((event) => ({ ...event, eventId: randomUUID(), origin }));
}

/**
 * The listeners of one bus. Each subscription is its own entry, so the same function subscribed twice
 * is called twice and unsubscribing one leaves the other.
 */
export class ListenerSet {
  readonly #entries = new Set<{ listener: ChangeListener }>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  add(listener: ChangeListener): () => void {
    const entry = { listener };
    this.#entries.add(entry);
    return () => void this.#entries.delete(entry);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Calls every listener (those present when it starts), isolating each one's failure. */
  emit(event: DeliveredChangeEvent): void {
    for (const { listener } of [...this.#entries]) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.#reportFailure(event, error));
      } catch (error) {
        this.#reportFailure(event, error);
      }
    }
  }

  #reportFailure(event: DeliveredChangeEvent, error: unknown): void {
    this.#logger.error({ err: error, eventType: event.type, eventId: event.eventId }, "change event listener failed");
  }
}

/** The embedded mode's bus: one process, no Redis. Same contract as `RedisEventBus`. */
export class MemoryEventBus implements EventBus {
  readonly instanceId: string;
  readonly #listeners: ListenerSet;
  #closed = false;

  constructor(options: EventBusOptions = {}) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.#listeners = new ListenerSet((options.logger ?? silentLogger).child({ component: "event-bus" }));
  }

  async publish(events: readonly ChangeEvent[]): Promise<void> {
    this.#assertOpen();
    const delivered = envelop(events, this.instanceId);
    // A microtask, so listener code never runs inside the publisher's write path.
    queueMicrotask(() => delivered.forEach((event) => this.#listeners.emit(event)));
  }

  async subscribe(listener: ChangeListener): Promise<Unsubscribe> {
    this.#assertOpen();
    const remove = this.#listeners.add(listener);
    return async () => remove();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new EventBusClosedError();
  }
}
