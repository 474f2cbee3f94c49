/**
 * What a write to the store says, in the store's own terms. Only the writer (`src/writer/`) builds these: it decides
 * what is written, in which order, on which condition, with which change events; the store applies a batch
 * atomically and reports what it changed.
 */
import type { Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import type { ChangeEvent } from "./events.js";
import type { BoardIndexEntry } from "../answers/index.js";
import type { ActionRecord, ActivePipeline, JobRecord, PendingApprovalRecord, StoredContext, StoredProject, StreamStatusRecord, SyncSummaryRecord } from "./store.js";
import type { Tag } from "./tags.js";

/** A document is written only if the store holds none, or holds exactly this text (as `getDocumentTexts` gave it). */
export type WriteCondition = { absent: true } | { stored: string };

export type StoreWrite =
  | { kind: "project"; project: StoredProject }
  | { kind: "pipeline"; projectSlug: string; pipeline: Pipeline; condition?: WriteCondition }
  /** The workflow's document, and its place in its pipeline's workflow list. */
  | { kind: "workflow"; projectSlug: string; workflow: Workflow; condition?: WriteCondition }
  | { kind: "job"; projectSlug: string; job: WorkflowJob; condition?: WriteCondition }
  /** Replaces a workflow's job list (the jobs' documents are written apart). */
  | { kind: "jobList"; projectSlug: string; workflowId: string; jobIds: readonly string[] }
  | { kind: "jobRecord"; record: JobRecord; condition?: WriteCondition }
  /** Full refresh: afterwards the store holds exactly these contexts. */
  | { kind: "contexts"; contexts: readonly StoredContext[] }
  | { kind: "active"; add?: readonly ActivePipeline[]; remove?: readonly string[] }
  /** A status board entry (and its place in the board's names and branches). */
  | { kind: "boardEntry"; entry: BoardIndexEntry; condition?: WriteCondition }
  /** Approval jobs of a project that went on hold (`put`) or stopped waiting (`remove`, by job id). */
  | { kind: "pendingApprovals"; projectSlug: string; put?: readonly PendingApprovalRecord[]; remove?: readonly string[] }
  | { kind: "cursor"; name: string; value: string }
  | { kind: "streamStatus"; status: StreamStatusRecord }
  | { kind: "summary"; summary: SyncSummaryRecord }
  /** Stages the change events a write announces, in the outbox of the project they belong to. */
  | { kind: "stage"; projectSlug: string; batchId: string; events: readonly ChangeEvent[] }
  | { kind: "unstage"; projectSlug: string; batchIds: readonly string[] }
  /**
   * Removes a pipeline with everything stored under it, as `listPipelineSubtrees` found it: its document, its place in
   * the project's (and its branch's) listing, its workflow list, its workflows with their job lists, their jobs, the
   * job records of their build jobs, and the directory entries of every id. Announces nothing: no new data.
   */
  | { kind: "removePipeline"; projectSlug: string; pipelineId: string; branch?: string; workflowIds: readonly string[]; jobIds: readonly string[]; jobNumbers: readonly number[] }
  /** Removes a board entry on its condition; its branch leaves the board's branches once it has no entry left. */
  | { kind: "removeBoardEntry"; projectSlug: string; branch: string; workflowName: string; condition: WriteCondition }
  /** An idempotency key's record, kept `ttlMs` from now and then gone. Readers never see it: it names no tag. */
  | { kind: "actionRecord"; key: string; record: ActionRecord; ttlMs: number; condition: WriteCondition };

export interface WriteBatch {
  /**
   * The sync leader's epoch. Set, the whole batch is refused (`WriteFencedError`) when the store has seen a newer
   * epoch: a leader that lost its lease writes nothing more. Writers without a lease leave it out.
   */
  epoch?: number;
  writes: readonly StoreWrite[];
}

export type WriteOutcome =
  /** `changed`: the tags of every document and listing that is new or different; empty for an unchanged re-write. */
  | { applied: true; changed: Tag[]; sequence: number | undefined }
  /** A condition failed: nothing was applied. `conflicts`: the indexes (in `writes`) of the writes whose condition failed. */
  | { applied: false; conflicts: number[] };

/** A document the writer reads to write it conditionally. `projectSlug`, when known, spares a directory lookup. */
export type DocumentRef =
  | { kind: "pipeline" | "workflow" | "job"; id: string; projectSlug?: string }
  | { kind: "jobRecord"; projectSlug: string; number: number }
  | { kind: "actionRecord"; key: string }
  | { kind: "boardEntry"; projectSlug: string; branch: string; workflowName: string };
