/**
 * Announcing a write so that no crash loses the announcement. The events are staged in the store, the write is
 * made, the events are published, and only then cleared. A writer that dies (or whose bus fails) after its write
 * leaves them staged, and the next sync cycle publishes them: every change reaches subscribers at least once.
 */
import { randomUUID } from "node:crypto";
import type { ChangeEvent, EventBus } from "./events.js";
import type { Store } from "./store.js";

type Outbox = Pick<Store, "stageEvents" | "listStagedEvents" | "clearStagedEvents">;

/** Sorts by staging time (the store lists batches oldest first); the UUID keeps concurrent writers apart. */
export function stagedBatchId(now: number = Date.now()): string {
  return `${String(now).padStart(15, "0")}-${randomUUID()}`;
}

function stagedAt(batchId: string): number {
  return Number(batchId.slice(0, batchId.indexOf("-")));
}

export async function writeAndPublish(store: Outbox, bus: Pick<EventBus, "publish">, events: readonly ChangeEvent[], write: () => Promise<void>): Promise<void> {
  if (events.length === 0) return write();
  const batchId = stagedBatchId();
  await store.stageEvents(batchId, events);
  try {
    await write();
  } catch (error) {
    // Nothing was written, so there is nothing to announce. Should this clear fail too, the batch is published
    // later for a change that the next cycle then writes (and announces again): early, never lost.
    await store.clearStagedEvents([batchId]).catch(() => undefined);
    throw error;
  }
  await bus.publish(events);
  await store.clearStagedEvents([batchId]);
}

/**
 * Publishes the batches staged at least `minAgeMs` ago and clears them; returns how many events went out. The age
 * keeps it from racing a writer still between its stage and its publish (a webhook on another instance).
 */
export async function publishStaged(store: Outbox, bus: Pick<EventBus, "publish">, minAgeMs: number, now: number = Date.now()): Promise<number> {
  let published = 0;
  for (const { batchId, events } of await store.listStagedEvents()) {
    if (now - stagedAt(batchId) < minAgeMs) continue;
    if (events.length > 0) await bus.publish(events);
    await store.clearStagedEvents([batchId]);
    published += events.length;
  }
  return published;
}
