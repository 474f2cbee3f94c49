import type { Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import { decodeEntity, encodeEntity } from "./documents/index.js";
import type { EntityDocuments, EntityKind } from "./documents/index.js";
import { sortStreamStatuses } from "./order.js";
import type { StoredPipelineTree, StreamStatusRecord, SyncStatusRecord, SyncSummaryRecord } from "./store.js";

export { encodeEntity };
export type { EntityDocuments, EntityKind };

/**
 * How either store holds a document: text. Storing text (not objects) is what makes every read a fresh copy and
 * gives both stores the same round-trip semantics. The entities (pipelines, workflows, jobs, job records: nearly all
 * the bytes) are stored compact (`documents/`), every other document as JSON (properties set to `undefined`
 * vanish). A text says which it is, so one decoder reads both, and entities stored as JSON by an earlier version
 * still read (the sync rewrites them compact the next time it writes them).
 */
export function encodeDocument(document: unknown): string {
  return JSON.stringify(document);
}

function parse(text: string): unknown {
  return decodeEntity(text) ?? JSON.parse(text);
}

export function decodeDocument<T>(text: string | null | undefined): T | undefined {
  return text == null ? undefined : (parse(text) as T);
}

export function decodeDocuments<T>(texts: readonly string[]): T[] {
  return texts.map((text) => parse(text) as T);
}

/** What the store gives back of `document` once written as a `kind`: its projection, nulls absent. */
export function storedForm<K extends EntityKind>(kind: K, document: EntityDocuments[K]): EntityDocuments[K] {
  return decodeEntity(encodeEntity(kind, document)) as EntityDocuments[K];
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
