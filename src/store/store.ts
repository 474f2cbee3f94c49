import type { Context, ContextEnvVar, JobDetails, Pipeline, Project, Step, Workflow, WorkflowJob } from "../circleci/index.js";
import type { ChangeEvent } from "./events.js";

/**
 * The cache, as the sync writes it and the loaders read it. Documents are CircleCI's own (validated
 * wire shapes, snake_case), keyed by CircleCI ids. Two implementations pass one contract suite:
 * `RedisStore` (shared by every instance) and `MemoryStore` (embedded, one process).
 *
 * Every method takes and returns batches, and each call is one round trip to Redis, whatever the batch
 * size: a dashboard page costs a constant number of calls, never one per entity.
 * Lookups return `undefined` at the position of a key the store does not hold.
 */
export interface Store {
  getProjects(slugs: readonly string[]): Promise<(StoredProject | undefined)[]>;
  /** Every project the store holds, by slug order. */
  listProjects(): Promise<StoredProject[]>;
  putProjects(projects: readonly StoredProject[]): Promise<void>;

  getPipelines(ids: readonly string[]): Promise<(Pipeline | undefined)[]>;
  /** Upserts and indexes by project (and branch) on `created_at`. */
  putPipelines(pipelines: readonly Pipeline[]): Promise<void>;
  /**
   * Pipeline ids of a project, newest first (`created_at`, then id), optionally of one branch, starting
   * after the pipeline `after` (exclusive). Stable while newer pipelines arrive.
   */
  listPipelineIds(projectSlug: string, options: PipelineListOptions): Promise<{ ids: string[]; hasMore: boolean }>;

  getWorkflows(ids: readonly string[]): Promise<(Workflow | undefined)[]>;
  /** Upserts and links each workflow to its pipeline. */
  putWorkflows(workflows: readonly Workflow[]): Promise<void>;
  /** Workflow ids per pipeline id, oldest first (reruns come after the workflow they rerun). */
  workflowIdsOf(pipelineIds: readonly string[]): Promise<string[][]>;
  /**
   * The workflows of each pipeline, oldest first, as `workflowIdsOf` then `getWorkflows` would give them, but in
   * one round trip; `undefined` where the pipeline document itself is not stored. Parents are written after
   * their children, so a stored pipeline's list is complete (empty for an errored pipeline) and a missing one
   * is unknown.
   */
  getWorkflowsOf(pipelineIds: readonly string[]): Promise<(Workflow[] | undefined)[]>;

  getJobs(ids: readonly string[]): Promise<(WorkflowJob | undefined)[]>;
  /**
   * Upserts the jobs of each workflow and replaces the workflow's job list with them, in the given order.
   * A job id may belong to several workflows (reruns carry jobs over): the link is kept per workflow.
   */
  putWorkflowJobs(jobsByWorkflow: ReadonlyMap<string, readonly WorkflowJob[]>): Promise<void>;
  /** Job ids per workflow id, in CircleCI's order. */
  jobIdsOf(workflowIds: readonly string[]): Promise<string[][]>;
  /** The jobs of each workflow in CircleCI's order, in one round trip; `undefined` where the workflow document is not stored. */
  getJobsOf(workflowIds: readonly string[]): Promise<(WorkflowJob[] | undefined)[]>;

  getJobRecords(keys: readonly JobKey[]): Promise<(JobRecord | undefined)[]>;
  putJobRecords(records: readonly JobRecord[]): Promise<void>;

  listContexts(): Promise<StoredContext[]>;
  /** Full refresh: afterwards the store holds exactly these contexts (one gone upstream is removed). */
  replaceContexts(contexts: readonly StoredContext[]): Promise<void>;

  /** Pipelines with live work (workflows running/failing/on_hold or jobs not terminal): re-polled until terminal. */
  listActivePipelines(): Promise<ActivePipeline[]>;
  setActivePipelines(changes: { add?: readonly ActivePipeline[]; remove?: readonly string[] }): Promise<void>;

  /** Sync cursors, e.g. a project's pipelines high-water mark. */
  getCursors(names: readonly string[]): Promise<(string | undefined)[]>;
  setCursors(cursors: ReadonlyMap<string, string>): Promise<void>;

  /** Sync status per stream and project, and the cycle summary. */
  getSyncStatus(): Promise<SyncStatusRecord>;
  putStreamStatuses(statuses: readonly StreamStatusRecord[]): Promise<void>;
  putSyncSummary(summary: SyncSummaryRecord): Promise<void>;

  /**
   * The outbox. A writer stages the change events of a write before making it and clears them once published,
   * so a crash between the write and the publish leaves them here for the next sync cycle to publish: every
   * change reaches subscribers at least once. Batches are listed oldest first.
   */
  stageEvents(batchId: string, events: readonly ChangeEvent[]): Promise<void>;
  listStagedEvents(): Promise<StagedEvents[]>;
  clearStagedEvents(batchIds: readonly string[]): Promise<void>;

  /** Resolves when the store answers; rejects with the reason otherwise (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StagedEvents {
  batchId: string;
  events: ChangeEvent[];
}

export interface PipelineListOptions {
  branch?: string;
  /** Id of the last pipeline of the previous page. */
  after?: string;
  first: number;
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

/** v2 job details of a build job, with its v1.1 steps once the job is terminal. */
export interface JobRecord extends JobKey {
  details: JobDetails;
  steps?: Step[];
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

export type StreamName = "projects" | "pipelines" | "workflows" | "workflow_jobs" | "job_details" | "contexts";
