import type { BoardIndexEntry, BoardScope } from "../answers/index.js";
import type { Context, ContextEnvVar, JobDetails, Pipeline, Project, Step, TestResult, Workflow, WorkflowJob } from "../circleci/index.js";
import type { ChangeEvent } from "./events.js";
import type { DocumentRef, WriteBatch, WriteOutcome } from "./writes.js";

/**
 * The cache, as the writer (`src/writer/`) writes it and the loaders read it. Documents are CircleCI's own
 * (validated wire shapes, snake_case), keyed by CircleCI ids. Two implementations pass one contract suite:
 * `RedisStore` (shared by every instance) and `MemoryStore` (embedded, one process).
 *
 * Reads take and return batches, and each costs a constant number of round trips to Redis whatever the batch
 * size (one, plus one to find the project of ids the process has not met yet): a dashboard page costs a constant
 * number of calls, never one per entity. Lookups return `undefined` at the position of a key the store does not
 * hold.
 *
 * The write side is one primitive, `applyWrites`, which only the writer calls (a lint rule keeps it so).
 */
export interface Store {
  getProjects(slugs: readonly string[]): Promise<(StoredProject | undefined)[]>;
  /** Every project the store holds, by slug order. */
  listProjects(): Promise<StoredProject[]>;

  getPipelines(ids: readonly string[]): Promise<(Pipeline | undefined)[]>;
  /**
   * Pipeline ids of a project, newest first (`created_at`, then id), optionally of one branch, starting
   * after the pipeline `after` (exclusive), down to `createdSince` when given. Stable while newer pipelines arrive.
   */
  listPipelineIds(projectSlug: string, options: PipelineListOptions): Promise<{ ids: string[]; hasMore: boolean }>;

  /**
   * The oldest pipelines of a project created before `options.before` (epoch ms, exclusive), oldest first (then by
   * id), after skipping `options.skip` of them, at most `options.first`, each with everything stored under it. One
   * round trip, reading by score: the work follows the pipelines read, not the project's history.
   */
  listPipelineTreesBefore(projectSlug: string, options: PipelineTreesBeforeOptions): Promise<StoredPipelineTree[]>;

  getWorkflows(ids: readonly string[]): Promise<(Workflow | undefined)[]>;
  /** Workflow ids per pipeline id, oldest first (reruns come after the workflow they rerun). */
  workflowIdsOf(pipelineIds: readonly string[]): Promise<string[][]>;
  /**
   * The workflows of each pipeline, oldest first, as `workflowIdsOf` then `getWorkflows` would give them, but in
   * one round trip; `undefined` where the pipeline document itself is not stored. Parents are written after
   * their children, so a stored pipeline's list is complete (empty for an errored pipeline) and a missing one
   * is unknown.
   */
  getWorkflowsOf(pipelineIds: readonly string[]): Promise<(Workflow[] | undefined)[]>;

  /** A job id may belong to several workflows (reruns carry jobs over): it has one document, linked from each list. */
  getJobs(ids: readonly string[]): Promise<(WorkflowJob | undefined)[]>;
  /** Job ids per workflow id, in CircleCI's order. */
  jobIdsOf(workflowIds: readonly string[]): Promise<string[][]>;
  /** The jobs of each workflow in CircleCI's order, in one round trip; `undefined` where the workflow document is not stored. */
  getJobsOf(workflowIds: readonly string[]): Promise<(WorkflowJob[] | undefined)[]>;

  getJobRecords(keys: readonly JobKey[]): Promise<(JobRecord | undefined)[]>;

  listContexts(): Promise<StoredContext[]>;

  /**
   * The status board index: per project and branch, the entry of each workflow name (by name), as the writer keeps
   * it with every workflow it writes; empty where the board has none. One round trip for any number of boards.
   */
  getBoards(scopes: readonly BoardScope[]): Promise<BoardIndexEntry[][]>;
  /** Per project, the branches its board has entries on (by name). */
  getBoardBranches(projectSlugs: readonly string[]): Promise<string[][]>;
  /** Per project, its approval jobs on hold, oldest first (then by job id). */
  getPendingApprovals(projectSlugs: readonly string[]): Promise<PendingApprovalRecord[][]>;

  /** Pipelines with live work (workflows running/failing/on_hold or jobs not terminal): re-polled until terminal. */
  listActivePipelines(): Promise<ActivePipeline[]>;

  /**
   * The key (`projectKey`) of every project the store has written data under, synced or not (the read path stores
   * what it fetched of any project), by key.
   */
  listProjectKeys(): Promise<string[]>;

  /** Sync cursors, e.g. a project's pipelines high-water mark. */
  getCursors(names: readonly string[]): Promise<(string | undefined)[]>;

  /** Sync status per stream and project, and the cycle summary. */
  getSyncStatus(): Promise<SyncStatusRecord>;

  /**
   * The outbox: change events staged with the write they announce, not yet published and cleared (their writer
   * died, or its bus failed, in between), over every project, oldest first.
   */
  listStagedEvents(): Promise<StagedEvents[]>;

  /** The exact stored text of documents, for the writer to write them on the condition that they still hold it. */
  getDocumentTexts(refs: readonly DocumentRef[]): Promise<(string | undefined)[]>;

  /**
   * Applies a batch of writes atomically: the fence (`batch.epoch`), then every condition (one fails: nothing is
   * applied, and the outcome names the failed writes), then the writes, the tags of what they changed, one step of
   * the write sequence and the invalidation, published with the write. Rejects with `WriteFencedError` when a newer
   * leader epoch has written. For the writer only.
   */
  applyWrites(batch: WriteBatch): Promise<WriteOutcome>;

  /** Resolves when the store answers; rejects with the reason otherwise (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The first use of an idempotency key by an action (a mutation): what it was, who claimed it, and, once known, what
 * came of it. Kept with a time to live, so a key is remembered for a while and then forgotten.
 */
export interface ActionRecord {
  /** The mutation, e.g. `triggerPipeline`. */
  action: string;
  /** A digest of its arguments: the same key with other arguments is another request, refused. */
  fingerprint: string;
  /** Who holds the claim (one attempt of one instance); only its holder settles it. */
  claimant: string;
  /** When it was claimed, epoch ms. */
  claimedAt: number;
  /** Absent while the claimant is at work. */
  outcome?: ActionOutcome;
}

export type ActionOutcome =
  /** CircleCI did it; the result is this pipeline or workflow. */
  | { kind: "done"; result: { type: "pipeline" | "workflow"; id: string } }
  /** The request may have reached CircleCI and no answer came back: whether it acted is unknown. */
  | { kind: "unknown"; message: string }
  /** CircleCI certainly did nothing (it refused): the key is free again. */
  | { kind: "released" };

export interface StagedEvents {
  batchId: string;
  /** The project whose outbox holds them. */
  projectSlug: string;
  events: ChangeEvent[];
}

export interface PipelineListOptions {
  branch?: string;
  /** Id of the last pipeline of the previous page. */
  after?: string;
  first: number;
  /** Only pipelines created at or after this instant (ISO 8601): the page ends before the first older one. */
  createdSince?: string;
}

export interface PipelineTreesBeforeOptions {
  /** Epoch ms: only pipelines created before it. */
  before: number;
  /** The first this many of them are passed over (they are kept, so they stay first). */
  skip: number;
  first: number;
}

/** A stored pipeline with what is stored under it, as one removal takes it away. */
export interface StoredPipelineTree {
  id: string;
  /** Absent where the listing holds an id without a document: the entry is removed all the same. */
  pipeline?: Pipeline;
  /** Its workflows, oldest first. */
  workflows: Workflow[];
  /** The jobs its workflows list, each once (a rerun lists jobs it carried over). */
  jobs: WorkflowJob[];
}

/** A project as the sync saw it: CircleCI's document, or only its slug while it has never been reachable. */
export interface StoredProject {
  slug: string;
  project?: Project;
  /** Set while `GET /project/{slug}` answers 404: the data is kept (API.md §7.4). */
  unreachable?: { since: string; message: string };
}

export interface JobKey {
  projectSlug: string;
  number: number;
}

/**
 * v2 job details of a build job, with its v1.1 steps once the job is terminal, and its test results once read (the
 * `tests` stream, or a query's fallthrough). The results live in the record rather than under a key of their own:
 * they are final with the job, are read with it, and a write of them names the record's tag, so every cache built
 * from them is evicted without a tag or key family of their own. Absent means not read yet; empty means the job
 * stored none.
 */
export interface JobRecord extends JobKey {
  details: JobDetails;
  steps?: Step[];
  tests?: TestResult[];
}

/**
 * An approval job on hold, as the approvals index keeps it: where it is (its documents are read by id) and since
 * when it waits.
 */
export interface PendingApprovalRecord {
  projectSlug: string;
  jobId: string;
  workflowId: string;
  pipelineId: string;
  /**
   * When it went on hold. CircleCI gives an approval job no start, so this is when the last job it depends on
   * stopped (the moment it was released), or its workflow's creation when it depends on none.
   */
  waitingSince: string;
}

export interface StoredContext extends Context {
  environment_variables: ContextEnvVar[];
}

export interface ActivePipeline {
  id: string;
  projectSlug: string;
}

export interface StreamStatusRecord {
  stream: StreamName;
  /** Absent for streams that are not per project (contexts). */
  projectSlug?: string;
  lastSuccessAt?: string;
  lastError?: string;
  lastErrorAt?: string;
  /** Records written by this stream over the life of the store. */
  records: number;
  /** Records it left out because they did not fit their schema, over the life of the store; absent means none. */
  rejected?: number;
  /** The last record it left out, whenever that was: which record, and what did not fit. */
  lastRejection?: string;
}

export interface SyncSummaryRecord {
  running: boolean;
  cycles: number;
  lastCycleStartedAt?: string;
  lastCycleCompletedAt?: string;
}

export interface SyncStatusRecord extends SyncSummaryRecord {
  streams: StreamStatusRecord[];
}

export type StreamName = "projects" | "pipelines" | "workflows" | "workflow_jobs" | "job_details" | "tests" | "contexts";
