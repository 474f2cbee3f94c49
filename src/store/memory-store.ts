import type { BoardIndexEntry, BoardScope } from "../answers/index.js";
import type { Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import { stagedInOrder } from "./change-event-codec.js";
import { decodeDocument, decodeDocuments, decodeSyncStatus, pipelineTree } from "./codec.js";
import { StoreClosedError, WriteFencedError } from "./errors.js";
import { LocalInvalidations } from "./invalidations.js";
import { keyLayout } from "./keys.js";
import type { Slot } from "./keys.js";
import { MemoryKeyspace } from "./memory-keyspace.js";
import { assertPageSize, pageFromWindow, projectKeysOf, sortActivePipelines, sortContexts, sortPendingApprovals, sortProjects, timestampScore } from "./order.js";
import type {
  ActivePipeline,
  JobKey,
  JobRecord,
  PendingApprovalRecord,
  PipelineListOptions,
  PipelineTreesBeforeOptions,
  StagedEvents,
  StoredPipelineTree,
  Store,
  StoredContext,
  StoredProject,
  SyncStatusRecord,
} from "./store.js";
import { failedWrites, planWrites, wholePlan } from "./write-plan.js";
import type { DocumentRef, WriteBatch, WriteOutcome } from "./writes.js";

export interface MemoryStoreOptions {
  /** Where the tags of every write go, before `applyWrites` returns. Default: a `LocalInvalidations` of its own. */
  invalidations?: LocalInvalidations;
}

/**
 * The embedded store: one process, nothing shared, nothing kept across restarts. It holds its data as `RedisStore`
 * does, key for key (`MemoryKeyspace`), and applies writes with the same operations, so both return the same results
 * in the same order, detect the same changes and name the same tags; a write's tags reach `invalidations` before
 * the write returns. Callers never hold a reference to stored state. Like `RedisStore`, it rejects every call with
 * `StoreClosedError` once closed.
 */
export class MemoryStore implements Store {
  readonly invalidations: LocalInvalidations;
  readonly #data = new MemoryKeyspace();
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.invalidations = options.invalidations ?? new LocalInvalidations();
  }

  async getProjects(slugs: readonly string[]): Promise<(StoredProject | undefined)[]> {
    this.#assertOpen();
    return slugs.map((slug) => decodeDocument<StoredProject>(this.#data.hget(keys.projects, slug)));
  }

  async listProjects(): Promise<StoredProject[]> {
    return sortProjects(this.#values<StoredProject>(keys.projects));
  }

  async getPipelines(ids: readonly string[]): Promise<(Pipeline | undefined)[]> {
    return this.#documents(ids, keys.pipeline);
  }

  async listPipelineIds(projectSlug: string, options: PipelineListOptions): Promise<{ ids: string[]; hasMore: boolean }> {
    this.#assertOpen();
    assertPageSize(options.first);
    const index = keys.pipelinesOf(projectSlug, options.branch);
    const ids = this.#data.zrevrange(index);
    let start = 0;
    if (options.after !== undefined) {
      const rank = ids.indexOf(options.after);
      if (rank < 0) return { ids: [], hasMore: false };
      start = rank + 1;
    }
    const window = ids.slice(start, start + options.first + 1);
    const lowest = options.createdSince === undefined ? undefined : timestampScore(options.createdSince);
    const older = lowest === undefined ? -1 : window.findIndex((id) => (this.#data.zscore(index, id) as number) < lowest);
    return pageFromWindow(older === -1 ? window : window.slice(0, older), options.first);
  }

  async listPipelineTreesBefore(projectSlug: string, options: PipelineTreesBeforeOptions): Promise<StoredPipelineTree[]> {
    this.#assertOpen();
    assertPageSize(options.first);
    const slot = keys.projectSlot(projectSlug);
    const text = (key: string): string[] => {
      const found = this.#data.get(key);
      return found === undefined ? [] : [found];
    };
    return this.#data.zrangeBelow(keys.pipelinesOf(projectSlug), options.before, options.skip, options.first).map((id) => {
      const workflowIds = this.#data.zrange(keys.workflowsOf(slot, id));
      const jobIds = [...new Set(workflowIds.flatMap((workflowId) => this.#data.lrange(keys.jobsOf(slot, workflowId))))];
      const workflows = workflowIds.flatMap((workflowId) => text(keys.workflow(slot, workflowId)));
      return pipelineTree(id, this.#data.get(keys.pipeline(slot, id)), workflows, jobIds.flatMap((jobId) => text(keys.job(slot, jobId))));
    });
  }

  async getWorkflows(ids: readonly string[]): Promise<(Workflow | undefined)[]> {
    return this.#documents(ids, keys.workflow);
  }

  async workflowIdsOf(pipelineIds: readonly string[]): Promise<string[][]> {
    return this.#lists(pipelineIds, (slot, id) => this.#data.zrange(keys.workflowsOf(slot, id)));
  }

  async getWorkflowsOf(pipelineIds: readonly string[]): Promise<(Workflow[] | undefined)[]> {
    return this.#children(pipelineIds, keys.pipeline, (slot, id) => this.#data.zrange(keys.workflowsOf(slot, id)), keys.workflow);
  }

  async getJobs(ids: readonly string[]): Promise<(WorkflowJob | undefined)[]> {
    return this.#documents(ids, keys.job);
  }

  async jobIdsOf(workflowIds: readonly string[]): Promise<string[][]> {
    return this.#lists(workflowIds, (slot, id) => this.#data.lrange(keys.jobsOf(slot, id)));
  }

  async getJobsOf(workflowIds: readonly string[]): Promise<(WorkflowJob[] | undefined)[]> {
    return this.#children(workflowIds, keys.workflow, (slot, id) => this.#data.lrange(keys.jobsOf(slot, id)), keys.job);
  }

  async getJobRecords(jobKeys: readonly JobKey[]): Promise<(JobRecord | undefined)[]> {
    this.#assertOpen();
    return jobKeys.map((key) => decodeDocument<JobRecord>(this.#data.get(keys.jobRecord(key))));
  }

  async listContexts(): Promise<StoredContext[]> {
    return sortContexts(this.#values<StoredContext>(keys.contexts));
  }

  async getBoards(scopes: readonly BoardScope[]): Promise<BoardIndexEntry[][]> {
    this.#assertOpen();
    return scopes.map(({ projectSlug, branch }) =>
      decodeDocuments<BoardIndexEntry>(
        this.#data.zrange(keys.boardNames(projectSlug, branch)).flatMap((name) => this.#data.get(keys.boardEntry(projectSlug, branch, name)) ?? []),
      ),
    );
  }

  async getBoardBranches(projectSlugs: readonly string[]): Promise<string[][]> {
    this.#assertOpen();
    return projectSlugs.map((slug) => [...this.#data.zrange(keys.boardBranches(slug))]);
  }

  async getPendingApprovals(projectSlugs: readonly string[]): Promise<PendingApprovalRecord[][]> {
    return projectSlugs.map((slug) => sortPendingApprovals(this.#values<PendingApprovalRecord>(keys.pendingApprovals(slug))));
  }

  async listActivePipelines(): Promise<ActivePipeline[]> {
    this.#assertOpen();
    return sortActivePipelines([...this.#data.hgetall(keys.active)].map(([id, projectSlug]) => ({ id, projectSlug })));
  }

  async listProjectKeys(): Promise<string[]> {
    this.#assertOpen();
    return projectKeysOf([...this.#data.hgetall(keys.slots).values()]);
  }

  async getCursors(names: readonly string[]): Promise<(string | undefined)[]> {
    this.#assertOpen();
    return names.map((name) => this.#data.hget(keys.cursors, name));
  }

  async getSyncStatus(): Promise<SyncStatusRecord> {
    this.#assertOpen();
    return decodeSyncStatus(this.#data.get(keys.summary), [...this.#data.hgetall(keys.statuses).values()]);
  }

  async listStagedEvents(): Promise<StagedEvents[]> {
    this.#assertOpen();
    const entries = [...this.#data.hgetall(keys.slots)].flatMap(([slot, projectSlug]) =>
      [...this.#data.hgetall(keys.outbox(slot))].map(([batchId, text]) => ({ batchId, projectSlug, text })),
    );
    return stagedInOrder(entries, () => undefined);
  }

  async getDocumentTexts(refs: readonly DocumentRef[]): Promise<(string | undefined)[]> {
    this.#assertOpen();
    return refs.map((ref) => {
      if (ref.kind === "jobRecord") return this.#data.get(keys.jobRecord(ref));
      if (ref.kind === "actionRecord") return this.#data.get(keys.actionRecord(ref.key));
      if (ref.kind === "boardEntry") return this.#data.get(keys.boardEntry(ref.projectSlug, ref.branch, ref.workflowName));
      const slot = ref.projectSlug === undefined ? this.#slotOf(ref.id) : keys.projectSlot(ref.projectSlug);
      if (slot === undefined) return undefined;
      const key = ref.kind === "pipeline" ? keys.pipeline : ref.kind === "workflow" ? keys.workflow : keys.job;
      return this.#data.get(key(slot, ref.id));
    });
  }

  async applyWrites(batch: WriteBatch): Promise<WriteOutcome> {
    this.#assertOpen();
    const plan = planWrites(batch.writes, { keys, isKnownId: () => false, isKnownSlot: () => false });
    const { ops, writeIndexes } = wholePlan(plan);
    const result = this.#data.write(ops, { fence: keys.fence(keys.shared), sequence: keys.sequence(keys.shared), epoch: batch.epoch });
    switch (result.outcome) {
      case "fenced":
        throw new WriteFencedError(batch.epoch as number, result.newerEpoch);
      case "conflict":
        return { applied: false, conflicts: failedWrites(result.failed, writeIndexes) };
      case "ok":
        this.invalidations.publish(result.changed);
        return { applied: true, changed: result.changed, sequence: result.sequence === 0 ? undefined : result.sequence };
    }
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #slotOf(id: string): Slot | undefined {
    return this.#data.hget(keys.owners, id);
  }

  #documents<T>(ids: readonly string[], keyOf: (slot: Slot, id: string) => string): (T | undefined)[] {
    this.#assertOpen();
    return ids.map((id) => {
      const slot = this.#slotOf(id);
      return slot === undefined ? undefined : decodeDocument<T>(this.#data.get(keyOf(slot, id)));
    });
  }

  #lists(parentIds: readonly string[], listOf: (slot: Slot, id: string) => readonly string[]): string[][] {
    this.#assertOpen();
    return parentIds.map((id) => {
      const slot = this.#slotOf(id);
      return slot === undefined ? [] : [...listOf(slot, id)];
    });
  }

  /** The documents a parent's index lists, for each parent that is stored itself; as `RedisStore` skips ids without a document. */
  #children<T>(
    parentIds: readonly string[],
    parentKey: (slot: Slot, id: string) => string,
    childIds: (slot: Slot, parentId: string) => readonly string[],
    childKey: (slot: Slot, id: string) => string,
  ): (T[] | undefined)[] {
    this.#assertOpen();
    return parentIds.map((id) => {
      const slot = this.#slotOf(id);
      if (slot === undefined || this.#data.get(parentKey(slot, id)) === undefined) return undefined;
      return decodeDocuments<T>(childIds(slot, id).flatMap((childId) => this.#data.get(childKey(slot, childId)) ?? []));
    });
  }

  #values<T>(key: string): T[] {
    this.#assertOpen();
    return decodeDocuments<T>([...this.#data.hgetall(key).values()]);
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }
}

const keys = keyLayout("");
