import type { Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import { decodeDocument, decodeDocuments, decodeSyncStatus, encodeDocument } from "./codec.js";
import { StoreClosedError } from "./errors.js";
import type { ChangeEvent } from "./events.js";
import { jobRecordId, keyLayout, streamStatusId } from "./keys.js";
import { MemorySortedSet } from "./memory-sorted-set.js";
import {
  assertPageSize,
  pageFromWindow,
  pipelineBranch,
  sortActivePipelines,
  sortContexts,
  sortProjects,
  timestampScore,
} from "./order.js";
import type {
  ActivePipeline,
  JobKey,
  JobRecord,
  PipelineListOptions,
  StagedEvents,
  Store,
  StoredContext,
  StoredProject,
  StreamStatusRecord,
  SyncStatusRecord,
  SyncSummaryRecord,
} from "./store.js";

/**
 * The embedded store: one process, nothing shared, nothing kept across restarts. It mirrors `RedisStore`
 * structure for structure (JSON text per document, sorted-set indexes, a replaced list per workflow), so
 * both return the same results in the same order, and callers never hold a reference to stored state.
 * Like `RedisStore`, it rejects every call with `StoreClosedError` once closed.
 */
export class MemoryStore implements Store {
  private readonly projects = new Map<string, string>();
  private readonly pipelines = new Map<string, string>();
  /** By the key `RedisStore` would use, so that the two index pipelines alike. */
  private readonly pipelineIndexes = new Map<string, MemorySortedSet>();
  private readonly workflows = new Map<string, string>();
  private readonly workflowsOf = new Map<string, MemorySortedSet>();
  private readonly jobs = new Map<string, string>();
  private readonly jobsOf = new Map<string, string[]>();
  private readonly jobRecords = new Map<string, string>();
  private contexts = new Map<string, string>();
  /** Pipeline id -> project slug. */
  private readonly active = new Map<string, string>();
  private readonly cursors = new Map<string, string>();
  private readonly statuses = new Map<string, string>();
  private summary: string | undefined;
  private readonly outbox = new Map<string, ChangeEvent[]>();
  private closed = false;

  async getProjects(slugs: readonly string[]): Promise<(StoredProject | undefined)[]> {
    return this.read(this.projects, slugs);
  }

  async listProjects(): Promise<StoredProject[]> {
    return sortProjects(this.values<StoredProject>(this.projects));
  }

  async putProjects(projects: readonly StoredProject[]): Promise<void> {
    this.write(this.projects, projects, (project) => project.slug);
  }

  async getPipelines(ids: readonly string[]): Promise<(Pipeline | undefined)[]> {
    return this.read(this.pipelines, ids);
  }

  async putPipelines(pipelines: readonly Pipeline[]): Promise<void> {
    this.write(this.pipelines, pipelines, (pipeline) => pipeline.id);
    for (const pipeline of pipelines) {
      const score = timestampScore(pipeline.created_at);
      this.pipelineIndex(pipeline.project_slug).add(pipeline.id, score);
      const branch = pipelineBranch(pipeline);
      if (branch !== undefined) this.pipelineIndex(pipeline.project_slug, branch).add(pipeline.id, score);
    }
  }

  async listPipelineIds(projectSlug: string, options: PipelineListOptions): Promise<{ ids: string[]; hasMore: boolean }> {
    this.assertOpen();
    assertPageSize(options.first);
    const ids = this.pipelineIndexes.get(indexKeys.pipelinesOf(projectSlug, options.branch))?.descending() ?? [];
    let start = 0;
    if (options.after !== undefined) {
      const rank = ids.indexOf(options.after);
      if (rank < 0) return { ids: [], hasMore: false };
      start = rank + 1;
    }
    return pageFromWindow(ids.slice(start, start + options.first + 1), options.first);
  }

  async getWorkflows(ids: readonly string[]): Promise<(Workflow | undefined)[]> {
    return this.read(this.workflows, ids);
  }

  async putWorkflows(workflows: readonly Workflow[]): Promise<void> {
    this.write(this.workflows, workflows, (workflow) => workflow.id);
    for (const workflow of workflows) {
      const index = getOrCreate(this.workflowsOf, workflow.pipeline_id, () => new MemorySortedSet());
      index.add(workflow.id, timestampScore(workflow.created_at));
    }
  }

  async workflowIdsOf(pipelineIds: readonly string[]): Promise<string[][]> {
    this.assertOpen();
    return pipelineIds.map((id) => [...(this.workflowsOf.get(id)?.ascending() ?? [])]);
  }

  async getWorkflowsOf(pipelineIds: readonly string[]): Promise<(Workflow[] | undefined)[]> {
    return this.childrenOf(this.pipelines, pipelineIds, (id) => this.workflowsOf.get(id)?.ascending() ?? [], this.workflows);
  }

  async getJobs(ids: readonly string[]): Promise<(WorkflowJob | undefined)[]> {
    return this.read(this.jobs, ids);
  }

  async putWorkflowJobs(jobsByWorkflow: ReadonlyMap<string, readonly WorkflowJob[]>): Promise<void> {
    this.assertOpen();
    for (const [workflowId, jobs] of jobsByWorkflow) {
      this.write(this.jobs, jobs, (job) => job.id);
      this.jobsOf.set(workflowId, jobs.map((job) => job.id));
    }
  }

  async jobIdsOf(workflowIds: readonly string[]): Promise<string[][]> {
    this.assertOpen();
    return workflowIds.map((id) => [...(this.jobsOf.get(id) ?? [])]);
  }

  async getJobsOf(workflowIds: readonly string[]): Promise<(WorkflowJob[] | undefined)[]> {
    return this.childrenOf(this.workflows, workflowIds, (id) => this.jobsOf.get(id) ?? [], this.jobs);
  }

  async getJobRecords(keys: readonly JobKey[]): Promise<(JobRecord | undefined)[]> {
    return this.read(this.jobRecords, keys.map(jobRecordId));
  }

  async putJobRecords(records: readonly JobRecord[]): Promise<void> {
    this.write(this.jobRecords, records, jobRecordId);
  }

  async listContexts(): Promise<StoredContext[]> {
    return sortContexts(this.values<StoredContext>(this.contexts));
  }

  async replaceContexts(contexts: readonly StoredContext[]): Promise<void> {
    this.assertOpen();
    this.contexts = new Map();
    this.write(this.contexts, contexts, (context) => context.id);
  }

  async listActivePipelines(): Promise<ActivePipeline[]> {
    this.assertOpen();
    return sortActivePipelines([...this.active].map(([id, projectSlug]) => ({ id, projectSlug })));
  }

  async setActivePipelines(changes: { add?: readonly ActivePipeline[]; remove?: readonly string[] }): Promise<void> {
    this.assertOpen();
    for (const pipeline of changes.add ?? []) this.active.set(pipeline.id, pipeline.projectSlug);
    for (const id of changes.remove ?? []) this.active.delete(id);
  }

  async getCursors(names: readonly string[]): Promise<(string | undefined)[]> {
    this.assertOpen();
    return names.map((name) => this.cursors.get(name));
  }

  async setCursors(cursors: ReadonlyMap<string, string>): Promise<void> {
    this.assertOpen();
    for (const [name, value] of cursors) this.cursors.set(name, value);
  }

  async getSyncStatus(): Promise<SyncStatusRecord> {
    this.assertOpen();
    return decodeSyncStatus(this.summary, [...this.statuses.values()]);
  }

  async putStreamStatuses(statuses: readonly StreamStatusRecord[]): Promise<void> {
    this.write(this.statuses, statuses, (status) => streamStatusId(status.stream, status.projectSlug));
  }

  async putSyncSummary(summary: SyncSummaryRecord): Promise<void> {
    this.assertOpen();
    this.summary = encodeDocument(summary);
  }

  async stageEvents(batchId: string, events: readonly ChangeEvent[]): Promise<void> {
    this.assertOpen();
    this.outbox.set(batchId, structuredClone([...events]));
  }

  async listStagedEvents(): Promise<StagedEvents[]> {
    this.assertOpen();
    return [...this.outbox.keys()].sort().map((batchId) => ({ batchId, events: structuredClone(this.outbox.get(batchId) ?? []) }));
  }

  async clearStagedEvents(batchIds: readonly string[]): Promise<void> {
    this.assertOpen();
    for (const batchId of batchIds) this.outbox.delete(batchId);
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private pipelineIndex(projectSlug: string, branch?: string): MemorySortedSet {
    return getOrCreate(this.pipelineIndexes, indexKeys.pipelinesOf(projectSlug, branch), () => new MemorySortedSet());
  }

  private read<T>(documents: ReadonlyMap<string, string>, ids: readonly string[]): (T | undefined)[] {
    this.assertOpen();
    return ids.map((id) => decodeDocument<T>(documents.get(id)));
  }

  /** The documents a parent's index lists, for each parent that is stored itself; as `RedisStore` skips ids without a document. */
  private childrenOf<T>(
    parents: ReadonlyMap<string, string>,
    parentIds: readonly string[],
    childIds: (parentId: string) => readonly string[],
    children: ReadonlyMap<string, string>,
  ): (T[] | undefined)[] {
    this.assertOpen();
    return parentIds.map((id) => (parents.has(id) ? decodeDocuments<T>(childIds(id).flatMap((childId) => children.get(childId) ?? [])) : undefined));
  }

  private values<T>(documents: ReadonlyMap<string, string>): T[] {
    this.assertOpen();
    return decodeDocuments<T>([...documents.values()]);
  }

  private write<T>(documents: Map<string, string>, items: readonly T[], idOf: (item: T) => string): void {
    this.assertOpen();
    for (const item of items) documents.set(idOf(item), encodeDocument(item));
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

const indexKeys = keyLayout("");

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
