import type DataLoader from "dataloader";
import type { Pipeline, TestResult, Workflow, WorkflowJob } from "../circleci/index.js";
import type { BoardIndexEntry, BoardScope } from "../answers/index.js";
import type { JobKey, JobRecord, PendingApprovalRecord, StoredContext, StoredProject, SyncStatusRecord } from "../store/index.js";

/**
 * The read path resolvers use, one set per GraphQL request: each loader batches the keys a request asks for
 * into one store round trip, checks a short-lived in-process LRU first, and sends only what the cache lacks to
 * CircleCI (deduplicated, bounded, through the client's rate-limit gate), writing what it fetched back to the
 * store. A key CircleCI fails for rejects alone, so the rest of the answer is still served.
 */
export interface Loaders {
  /**
   * By slug, in any spelling (one project is one key: `projectKey`); CircleCI is asked with the slug as given.
   * `null` when CircleCI does not know it (or the token cannot see it).
   */
  project: DataLoader<string, StoredProject | null>;
  pipeline: DataLoader<string, Pipeline | null>;
  /** Workflows of a pipeline, oldest first. */
  workflowsOfPipeline: DataLoader<string, Workflow[]>;
  workflow: DataLoader<string, Workflow | null>;
  /**
   * By job id, from the store only: CircleCI has no endpoint that finds a job by its id (jobs are listed per
   * workflow, details are per project and number), so a job the store lacks is `null`, not fetched.
   */
  job: DataLoader<string, WorkflowJob | null>;
  /** Jobs of a workflow, in CircleCI's order. */
  jobsOfWorkflow: DataLoader<string, WorkflowJob[]>;
  /**
   * Job details of a build job (steps once it is terminal), by project slug in any spelling and number; `null` for
   * approval jobs and unknown numbers.
   */
  jobRecord: DataLoader<JobKey, JobRecord | null>;
  /**
   * A finished build job's test results, by the same key: from its stored record, else from CircleCI (written back
   * into the record). Ask only for finished build jobs: CircleCI has none before a job ends, nor for approval jobs.
   */
  testResults: DataLoader<JobKey, TestResult[]>;
  /** A page of a project's pipelines (its slug in any spelling), newest first; `after` is a previous page's `endCursor`. */
  pipelinePage(projectSlug: string, options: PipelinePageOptions): Promise<PipelinePage>;
  /**
   * By slug, from the store only: `null` for a project the store does not hold. The answers (board, approvals)
   * cover synced projects, whose documents the projects stream keeps.
   */
  storedProject: DataLoader<string, StoredProject | null>;
  /** Every project the store holds (configured or discovered), by slug. */
  storedProjects(): Promise<StoredProject[]>;
  /** The status board index of a project's branch, by workflow name; empty where it has no entry. Store only. */
  board: DataLoader<BoardScope, BoardIndexEntry[]>;
  /** The branches a project's board has entries on. Store only. */
  boardBranches: DataLoader<string, string[]>;
  /** A project's approval jobs on hold, oldest first. Store only. */
  pendingApprovals: DataLoader<string, PendingApprovalRecord[]>;
  contexts(): Promise<StoredContext[]>;
  syncStatus(): Promise<SyncStatusRecord>;
}

export interface PipelinePageOptions {
  branch?: string;
  /** 1 to 100. */
  first: number;
  after?: string;
  /** Only pipelines created at or after this instant (ISO 8601): the page ends before the first older one. */
  createdSince?: string;
}

export interface PipelinePage {
  pipelines: Pipeline[];
  hasNextPage: boolean;
  /** Opaque; `null` on an empty page. */
  endCursor: string | null;
}
