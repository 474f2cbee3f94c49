import { performance } from "node:perf_hooks";
import type { ChangeEvent, ChangeListener, EventBus, Unsubscribe } from "../src/store/events.js";

/** The sync's bus, noting when each new pipeline's event was published: where a subscription's latency starts. */
export class TimedBus implements EventBus {
  readonly #inner: EventBus;
  readonly #publishedAt = new Map<string, number>();

  constructor(inner: EventBus) {
    this.#inner = inner;
  }

  /** `performance.now()` when the sync published `pipeline.created` for this pipeline. */
  publishedAt(pipelineId: string): number | undefined {
    return this.#publishedAt.get(pipelineId);
  }

  publish(events: readonly ChangeEvent[]): Promise<void> {
    const at = performance.now();
    for (const event of events) if (event.type === "pipeline.created") this.#publishedAt.set(event.pipeline.id, at);
    return this.#inner.publish(events);
  }

  subscribe(listener: ChangeListener): Promise<Unsubscribe> {
    return this.#inner.subscribe(listener);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
