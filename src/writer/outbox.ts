/**
 * Announcing a write so that no crash loses the announcement. A write's change events are staged in the store's
 * outbox by the write itself (one atomic batch), published, then cleared. A writer that dies (or whose bus fails)
 * after its write leaves them staged, and the next sync cycle publishes them: every change reaches subscribers at
 * least once.
 */
import { randomUUID } from "node:crypto";

/** Sorts by staging time (the store lists batches oldest first); the UUID keeps concurrent writers apart. */
export function stagedBatchId(now: number = Date.now()): string {
  return `${String(now).padStart(15, "0")}-${randomUUID()}`;
}

/** When a batch was staged, from its id. */
export function stagedAt(batchId: string): number {
  return Number(batchId.slice(0, batchId.indexOf("-")));
}
