/**
 * A batch of writes as operations on keys, the same for both stores: `RedisStore` runs them in its write script,
 * `MemoryStore` in its keyspace, so both detect the same changes and name the same tags.
 *
 * The operations are grouped by slot, in the order a store that cannot apply them all at once (a cluster, one
 * script per slot) must apply them: first what lets readers and the sync find a project's new data (the directory,
 * the slot registry, additions to the active set), then each project's data, then what describes it (removals
 * from the active set, cursors, statuses, the summary, projects, contexts). On one Redis, and in memory, a batch
 * is applied whole, at once.
 */
import { encodeStagedBatch } from "./change-event-codec.js";
import { encodeDocument, encodeEntity } from "./codec.js";
import { projectKey } from "../project-slug.js";
import { streamStatusId, type KeyLayout, type Slot } from "./keys.js";
import { pipelineBranch, timestampScore } from "./order.js";
import { tags, type Tag } from "./tags.js";
import type { StoreWrite, WriteCondition } from "./writes.js";

/** One operation; `tag` is named when it changes something. */
export type WriteOp =
  /**
   * A string: written when its bytes differ; `insertTags` are named too when it did not exist. With `ttlMs` it is
   * gone that long after it was written; without, it stays (a write without one drops a time to live, as Redis's SET).
   */
  | { type: "set"; key: string; value: string; condition?: WriteCondition; tag?: Tag; insertTags?: readonly Tag[]; ttlMs?: number }
  /** A hash field: written when its bytes differ; `insertTags` are named too when the field did not exist. */
  | { type: "hset"; key: string; field: string; value: string; tag?: Tag; insertTags?: readonly Tag[] }
  | { type: "hdel"; key: string; field: string; tag?: Tag }
  /** A whole hash: afterwards it holds exactly these fields. */
  | { type: "hreplace"; key: string; entries: readonly (readonly [field: string, value: string])[]; tag?: Tag }
  /** Changed when the member is new or its score moved. */
  | { type: "zadd"; key: string; member: string; score: number; tag?: Tag }
  /** A whole list: changed when the items differ; no items deletes it. */
  | { type: "list"; key: string; items: readonly string[]; tag?: Tag }
  /** A key of any shape (string, sorted set, list): changed when it existed. */
  | { type: "del"; key: string; condition?: WriteCondition; tag?: Tag }
  /** Changed when the member was in the set; with `whenEmpty`, only removed while the sorted set at that key is empty. */
  | { type: "zrem"; key: string; member: string; whenEmpty?: string; tag?: Tag };

/** The condition an operation is applied on, if any: only documents are written or removed on one. */
export function conditionOf(op: WriteOp): WriteCondition | undefined {
  return op.type === "set" || op.type === "del" ? op.condition : undefined;
}

export interface SlotWrites {
  slot: Slot;
  ops: WriteOp[];
  /** Per operation, the index of the write it belongs to (to report a failed condition). */
  writeIndexes: number[];
}

export interface WritePlanContext {
  keys: KeyLayout;
  /** Whether the directory already records this id's project, or the registry this slot: then they are not rewritten. */
  isKnownId(id: string): boolean;
  isKnownSlot(slot: Slot): boolean;
}

export function planWrites(writes: readonly StoreWrite[], context: WritePlanContext): SlotWrites[] {
  const { keys } = context;
  const before = new Builder(keys.shared);
  const projects = new Map<Slot, Builder>();
  const after = new Builder(keys.shared);
  const project = (projectSlug: string): Builder => {
    const slot = keys.projectSlot(projectSlug);
    let builder = projects.get(slot);
    if (builder === undefined) {
      builder = new Builder(slot);
      projects.set(slot, builder);
    }
    return builder;
  };
  const recorded = new Set<string>();
  /**
   * Records the project of an id in the directory, and the project's slot in the registry, once per batch. A document
   * inserted where none was (`condition` absent) records its ids whatever this process remembers: they may have been
   * removed (retention) since it met them.
   */
  const own = (index: number, projectSlug: string, id: string | undefined, condition?: WriteCondition): Builder => {
    const target = project(projectSlug);
    const record = (known: boolean, key: string, field: string, value: string): void => {
      if (known || recorded.has(`${key} ${field}`)) return;
      recorded.add(`${key} ${field}`);
      before.add(index, { type: "hset", key, field, value });
    };
    record(context.isKnownSlot(target.slot), keys.slots, target.slot, projectKey(projectSlug));
    const inserting = condition !== undefined && "absent" in condition;
    if (id !== undefined) record(context.isKnownId(id) && !inserting, keys.owners, id, target.slot);
    return target;
  };

  writes.forEach((write, index) => {
    switch (write.kind) {
      case "pipeline": {
        const { pipeline, projectSlug } = write;
        const target = own(index, projectSlug, pipeline.id, write.condition);
        target.add(index, {
          type: "set",
          key: keys.pipeline(target.slot, pipeline.id),
          value: encodeEntity("pipeline", pipeline),
          condition: write.condition,
          tag: tags.pipeline(pipeline.id),
          insertTags: [tags.workflowsOf(pipeline.id)],
        });
        const score = timestampScore(pipeline.created_at);
        const listing = tags.pipelineListing(projectKey(projectSlug));
        target.add(index, { type: "zadd", key: keys.pipelinesOf(projectSlug), member: pipeline.id, score, tag: listing });
        const branch = pipelineBranch(pipeline);
        if (branch !== undefined) target.add(index, { type: "zadd", key: keys.pipelinesOf(projectSlug, branch), member: pipeline.id, score, tag: listing });
        return;
      }
      case "workflow": {
        const { workflow, projectSlug } = write;
        // The pipeline is in the workflow's project: its workflow list can be found before the pipeline is stored.
        own(index, projectSlug, workflow.pipeline_id, write.condition);
        const target = own(index, projectSlug, workflow.id, write.condition);
        target.add(index, {
          type: "set",
          key: keys.workflow(target.slot, workflow.id),
          value: encodeEntity("workflow", workflow),
          condition: write.condition,
          tag: tags.workflow(workflow.id),
          insertTags: [tags.jobsOf(workflow.id)],
        });
        const list = keys.workflowsOf(target.slot, workflow.pipeline_id);
        target.add(index, { type: "zadd", key: list, member: workflow.id, score: timestampScore(workflow.created_at), tag: tags.workflowsOf(workflow.pipeline_id) });
        return;
      }
      case "job": {
        const target = own(index, write.projectSlug, write.job.id, write.condition);
        const value = encodeEntity("job", write.job);
        target.add(index, { type: "set", key: keys.job(target.slot, write.job.id), value, condition: write.condition, tag: tags.job(write.job.id) });
        return;
      }
      case "jobList": {
        const target = own(index, write.projectSlug, write.workflowId);
        target.add(index, { type: "list", key: keys.jobsOf(target.slot, write.workflowId), items: write.jobIds, tag: tags.jobsOf(write.workflowId) });
        return;
      }
      case "jobRecord": {
        const { record } = write;
        const target = own(index, record.projectSlug, undefined);
        const tag = tags.jobRecord(projectKey(record.projectSlug), record.number);
        target.add(index, { type: "set", key: keys.jobRecord(record), value: encodeEntity("jobRecord", record), condition: write.condition, tag });
        return;
      }
      case "stage": {
        const target = own(index, write.projectSlug, undefined);
        target.add(index, { type: "hset", key: keys.outbox(target.slot), field: write.batchId, value: encodeStagedBatch(write.events) });
        return;
      }
      case "unstage": {
        const target = project(write.projectSlug);
        for (const batchId of write.batchIds) target.add(index, { type: "hdel", key: keys.outbox(target.slot), field: batchId });
        return;
      }
      case "removePipeline": {
        const { projectSlug, pipelineId } = write;
        const target = project(projectSlug);
        const { slot } = target;
        const remove = (op: WriteOp): void => target.add(index, op);
        for (const number of write.jobNumbers) remove({ type: "del", key: keys.jobRecord({ projectSlug, number }), tag: tags.jobRecord(projectKey(projectSlug), number) });
        for (const id of write.jobIds) remove({ type: "del", key: keys.job(slot, id), tag: tags.job(id) });
        for (const id of write.workflowIds) {
          remove({ type: "del", key: keys.jobsOf(slot, id), tag: tags.jobsOf(id) });
          remove({ type: "del", key: keys.workflow(slot, id), tag: tags.workflow(id) });
        }
        remove({ type: "del", key: keys.workflowsOf(slot, pipelineId), tag: tags.workflowsOf(pipelineId) });
        const listing = tags.pipelineListing(projectKey(projectSlug));
        remove({ type: "zrem", key: keys.pipelinesOf(projectSlug), member: pipelineId, tag: listing });
        if (write.branch !== undefined) remove({ type: "zrem", key: keys.pipelinesOf(projectSlug, write.branch), member: pipelineId, tag: listing });
        remove({ type: "del", key: keys.pipeline(slot, pipelineId), tag: tags.pipeline(pipelineId) });
        // On a cluster the directory's slot is written after the project's: an id found there at worst reads as missing.
        for (const id of [pipelineId, ...write.workflowIds, ...write.jobIds]) after.add(index, { type: "hdel", key: keys.owners, field: id });
        return;
      }
      case "removeBoardEntry": {
        const { projectSlug, branch, workflowName } = write;
        const target = project(projectSlug);
        const board = tags.board(projectKey(projectSlug), branch);
        const names = keys.boardNames(projectSlug, branch);
        target.add(index, { type: "del", key: keys.boardEntry(projectSlug, branch, workflowName), condition: write.condition, tag: board });
        target.add(index, { type: "zrem", key: names, member: workflowName, tag: board });
        const branches = tags.boardBranches(projectKey(projectSlug));
        target.add(index, { type: "zrem", key: keys.boardBranches(projectSlug), member: branch, whenEmpty: names, tag: branches });
        return;
      }
      case "active":
        for (const { id, projectSlug } of write.add ?? []) before.add(index, { type: "hset", key: keys.active, field: id, value: projectSlug });
        for (const id of write.remove ?? []) after.add(index, { type: "hdel", key: keys.active, field: id });
        return;
      case "boardEntry": {
        const { entry } = write;
        const target = own(index, entry.projectSlug, undefined);
        const board = tags.board(projectKey(entry.projectSlug), entry.branch);
        const key = keys.boardEntry(entry.projectSlug, entry.branch, entry.workflowName);
        target.add(index, { type: "set", key, value: encodeDocument(entry), condition: write.condition, tag: board });
        target.add(index, { type: "zadd", key: keys.boardNames(entry.projectSlug, entry.branch), member: entry.workflowName, score: 0, tag: board });
        const branches = tags.boardBranches(projectKey(entry.projectSlug));
        target.add(index, { type: "zadd", key: keys.boardBranches(entry.projectSlug), member: entry.branch, score: 0, tag: branches });
        return;
      }
      case "pendingApprovals": {
        const target = own(index, write.projectSlug, undefined);
        const key = keys.pendingApprovals(write.projectSlug);
        const tag = tags.pendingApprovals(projectKey(write.projectSlug));
        for (const record of write.put ?? []) target.add(index, { type: "hset", key, field: record.jobId, value: encodeDocument(record), tag });
        for (const jobId of write.remove ?? []) target.add(index, { type: "hdel", key, field: jobId, tag });
        return;
      }
      case "project": {
        const { slug } = write.project;
        const value = encodeDocument(write.project);
        after.add(index, { type: "hset", key: keys.projects, field: slug, value, tag: tags.project(slug), insertTags: [tags.projectListing] });
        return;
      }
      case "contexts": {
        const entries = write.contexts.map((context) => [context.id, encodeDocument(context)] as const);
        after.add(index, { type: "hreplace", key: keys.contexts, entries, tag: tags.contexts });
        return;
      }
      case "cursor":
        after.add(index, { type: "hset", key: keys.cursors, field: write.name, value: write.value });
        return;
      case "streamStatus": {
        const { status } = write;
        const field = streamStatusId(status.stream, status.projectSlug);
        after.add(index, { type: "hset", key: keys.statuses, field, value: encodeDocument(status), tag: tags.syncStatus });
        return;
      }
      case "summary":
        after.add(index, { type: "set", key: keys.summary, value: encodeDocument(write.summary), tag: tags.syncStatus });
        return;
      case "actionRecord":
        after.add(index, { type: "set", key: keys.actionRecord(write.key), value: encodeDocument(write.record), condition: write.condition, ttlMs: write.ttlMs });
        return;
    }
  });
  return [before, ...projects.values(), after].filter((builder) => builder.ops.length > 0);
}

class Builder implements SlotWrites {
  readonly ops: WriteOp[] = [];
  readonly writeIndexes: number[] = [];

  constructor(readonly slot: Slot) {}

  add(writeIndex: number, op: WriteOp): void {
    this.ops.push(op);
    this.writeIndexes.push(writeIndex);
  }
}

/** Every operation of a plan in order, for a store that applies a batch whole (one Redis, or memory). */
export function wholePlan(plan: readonly SlotWrites[]): { ops: WriteOp[]; writeIndexes: number[] } {
  return { ops: plan.flatMap((part) => part.ops), writeIndexes: plan.flatMap((part) => part.writeIndexes) };
}

/** The writes whose conditions failed, from the operations that did, in order. */
export function failedWrites(failedOps: readonly number[], writeIndexes: readonly number[]): number[] {
  return [...new Set(failedOps.map((op) => writeIndexes[op] as number))].sort((a, b) => a - b);
}
