import type { Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import { sortStreamStatuses } from "./order.js";
import type { StoredPipelineTree, StreamStatusRecord, SyncStatusRecord, SyncSummaryRecord } from "./store.js";

/**
 * How either store holds a document: JSON text. Storing text (not objects) is what makes every read a fresh
 * copy and gives both stores the same round-trip semantics (properties set to `undefined` vanish).
 */
export function encodeDocument(document: unknown): string {
  return JSON.stringify(document);
}

export function decodeDocument<T>(text: string | null | undefined): T | undefined {
  return text == null ? undefined : (JSON.parse(text) as T);
}

export function decodeDocuments<T>(texts: readonly string[]): T[] {
  return texts.map((text) => JSON.parse(text) as T);
}

/** The sync status as read back: `running: false, cycles: 0` before the first summary, streams in order. */
export function decodeSyncStatus(summary: string | null | undefined, statuses: readonly string[]): SyncStatusRecord {
  const written = decodeDocument<SyncSummaryRecord>(summary) ?? { running: false, cycles: 0 };
  return { ...written, streams: sortStreamStatuses(decodeDocuments<StreamStatusRecord>(statuses)) };
}

/** A pipeline tree from the texts of its documents, as both stores read them. */
export function pipelineTree(id: string, pipeline: string | null | undefined, workflows: readonly string[], jobs: readonly string[]): StoredPipelineTree {
  const document = decodeDocument<Pipeline>(pipeline);
  return { id, ...(document === undefined ? {} : { pipeline: document }), workflows: decodeDocuments<Workflow>(workflows), jobs: decodeDocuments<WorkflowJob>(jobs) };
}
