import { ReplyError, type RedisCommander } from "ioredis";
import { LRUCache } from "lru-cache";
import type { BoardIndexEntry, BoardScope } from "../answers/index.js";
import type { Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import { silentLogger, type Logger } from "../log.js";
import { stagedInOrder } from "./change-event-codec.js";
import { decodeDocument, decodeDocuments, decodeSyncStatus, pipelineTree } from "./codec.js";
import { StoreClosedError, StoreUnavailableError, WriteFencedError } from "./errors.js";
import { DEFAULT_PREFIX, keyLayout, type KeyLayout, type Slot } from "./keys.js";
import { assertPageSize, pageFromWindow, projectKeysOf, sortActivePipelines, sortContexts, sortPendingApprovals, sortProjects, timestampScore } from "./order.js";
import { defineChildren, queueChildren } from "./children-script.js";
import type { IndexKind } from "./children-script.js";
import { definePipelinePage } from "./pipeline-page-script.js";
import { definePipelineTrees } from "./pipeline-trees-script.js";
import { closeRedis, openRedis, reconnectingOptions, redisAddress, type ReconnectOptions, type RedisClient } from "./redis-connection.js";
import { hashSlot } from "./hash-slot.js";
import { execGrouped, repliesOf, type PipelineFor } from "./slot-batch.js";
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
import type { Tag } from "./tags.js";
import { conditionOf, failedWrites, planWrites, wholePlan, type SlotWrites } from "./write-plan.js";
import { defineWriteScript, writeScriptCall } from "./write-script.js";
import type { DocumentRef, StoreWrite, WriteBatch, WriteOutcome } from "./writes.js";

export interface RedisStoreOptions {
  /**
   * `redis://` or `rediss://` URL (for a cluster, seed nodes' URLs separated by commas). A password in it is used,
   * never logged nor put in an error.
   */
  url: string;
  /** `REDIS_CLUSTER`: `url` names a Redis Cluster. Default false. */
  cluster?: boolean;
  /** Prefix of every key (`REDIS_PREFIX`). Default `ccgw:`. */
  prefix?: string;
  /** Default: silent. */
  logger?: Logger;
  /** Reconnection and timeouts; see `ReconnectOptions` for the defaults. */
  reconnect?: ReconnectOptions;
}

/** Ids whose project this process remembers; one more is looked up in the directory (one round trip per read). */
const KNOWN_IDS = 250_000;

/** What the process knows of an id: its project's slot, and whether the directory is known to record it. */
interface KnownId {
  slot: Slot;
  recorded: boolean;
}

/** An id to read, at its position in the caller's batch, in its project's slot. */
interface Located {
  id: string;
  index: number;
  slot: Slot;
}

/**
 * The shared cache on Redis (ioredis), laid out as `keys.ts` describes. Every read is one round trip (a command, a
 * pipeline or a script), plus one to look up in the directory the project of ids this process has not met (the
 * project of an id never changes, so it is remembered); an empty batch costs none. Every write is one call of the
 * write script (`write-script.ts`). The connection opens at construction, in the background: calls made before it
 * is up wait for it. While Redis is unreachable calls fail fast with `StoreUnavailableError`, and the same store
 * answers again once Redis is back.
 *
 * Fast means at once, once a call has failed: ioredis would make every call wait through a reconnection
 * attempt first (`maxRetriesPerRequest`), and a GraphQL request that reads the store several times in a row
 * would pay that wait each time. So during an outage one call at a time (the probe) still waits for the
 * reconnection, and the others fail at once: a blip costs no error, and the first call after Redis returns
 * succeeds even before the connection noticed.
 */
export class RedisStore implements Store {
  readonly address: string;
  private readonly redis: RedisClient;
  private readonly keys: KeyLayout;
  private readonly logger: Logger;
  private readonly pipelinePage: ReturnType<typeof definePipelinePage>;
  private readonly pipelineTrees: ReturnType<typeof definePipelineTrees>;
  private readonly write: ReturnType<typeof defineWriteScript>;
  private readonly known = new LRUCache<string, KnownId>({ max: KNOWN_IDS });
  /** Project slots this process registered (or found registered). */
  private readonly registered = new Set<Slot>();
  private sent = 0;
  private closing: Promise<void> | undefined;
  /** A call failed for want of Redis, and the connection has not been ready since. */
  private unreachable = false;
  /** During an outage: a call is waiting for the reconnection. */
  private probing = false;

  constructor(options: RedisStoreOptions) {
    this.address = redisAddress(options.url);
    this.keys = keyLayout(options.prefix ?? DEFAULT_PREFIX, { cluster: options.cluster });
    const logger = (options.logger ?? silentLogger).child({ component: "store", redis: this.address });
    this.logger = logger;
    this.redis = openRedis({ url: options.url, cluster: options.cluster }, logger, reconnectingOptions(options.reconnect));
    this.redis.on("ready", () => {
      this.unreachable = false;
    });
    this.pipelinePage = definePipelinePage(this.redis);
    this.pipelineTrees = definePipelineTrees(this.redis);
    this.write = defineWriteScript(this.redis);
    defineChildren(this.redis);
  }

  /** Round trips sent to Redis so far (commands, pipelines and scripts each count one). */
  get roundTrips(): number {
    return this.sent;
  }

  async getProjects(slugs: readonly string[]): Promise<(StoredProject | undefined)[]> {
    if (slugs.length === 0) return [];
    const texts = await this.send((redis) => redis.hmget(this.keys.projects, ...slugs));
    return texts.map((text) => decodeDocument<StoredProject>(text));
  }

  async listProjects(): Promise<StoredProject[]> {
    const texts = await this.send((redis) => redis.hvals(this.keys.projects));
    return sortProjects(decodeDocuments<StoredProject>(texts));
  }

  async getPipelines(ids: readonly string[]): Promise<(Pipeline | undefined)[]> {
    return this.documents(ids, this.keys.pipeline);
  }

  async listPipelineIds(projectSlug: string, options: PipelineListOptions): Promise<{ ids: string[]; hasMore: boolean }> {
    assertPageSize(options.first);
    const index = this.keys.pipelinesOf(projectSlug, options.branch);
    const lowest = options.createdSince === undefined ? "" : String(timestampScore(options.createdSince));
    const window = await this.send(() => this.pipelinePage(index, options.first, options.after ?? "", lowest));
    this.learn(window, this.keys.projectSlot(projectSlug));
    return pageFromWindow(window, options.first);
  }

  async listPipelineTreesBefore(projectSlug: string, options: PipelineTreesBeforeOptions): Promise<StoredPipelineTree[]> {
    assertPageSize(options.first);
    if (options.first === 0) return [];
    const slot = this.keys.projectSlot(projectSlug);
    const prefix = (keyOf: (slot: Slot, id: string) => string): string => keyOf(slot, "");
    const { keys } = this;
    const replies = await this.send(() =>
      this.pipelineTrees({
        ...options,
        listing: keys.pipelinesOf(projectSlug),
        prefixes: { pipeline: prefix(keys.pipeline), workflowsOf: prefix(keys.workflowsOf), workflow: prefix(keys.workflow), jobsOf: prefix(keys.jobsOf), job: prefix(keys.job) },
      }),
    );
    return replies.map(([id, pipeline, workflows, jobs]) => pipelineTree(id, pipeline, workflows, jobs));
  }

  async getWorkflows(ids: readonly string[]): Promise<(Workflow | undefined)[]> {
    return this.documents(ids, this.keys.workflow);
  }

  async workflowIdsOf(pipelineIds: readonly string[]): Promise<string[][]> {
    return this.readLists(pipelineIds, (on, slot, id) => {
      const key = this.keys.workflowsOf(slot, id);
      on(key).zrange(key, 0, -1);
    });
  }

  async getWorkflowsOf(pipelineIds: readonly string[]): Promise<(Workflow[] | undefined)[]> {
    return this.readChildren(pipelineIds, this.keys.pipeline, this.keys.workflowsOf, this.keys.workflow, "zset");
  }

  async getJobs(ids: readonly string[]): Promise<(WorkflowJob | undefined)[]> {
    return this.documents(ids, this.keys.job);
  }

  async jobIdsOf(workflowIds: readonly string[]): Promise<string[][]> {
    return this.readLists(workflowIds, (on, slot, id) => {
      const key = this.keys.jobsOf(slot, id);
      on(key).lrange(key, 0, -1);
    });
  }

  async getJobsOf(workflowIds: readonly string[]): Promise<(WorkflowJob[] | undefined)[]> {
    return this.readChildren(workflowIds, this.keys.workflow, this.keys.jobsOf, this.keys.job, "list");
  }

  async getJobRecords(keys: readonly JobKey[]): Promise<(JobRecord | undefined)[]> {
    if (keys.length === 0) return [];
    const texts = await this.mget(keys.map(this.keys.jobRecord));
    return texts.map((text) => decodeDocument<JobRecord>(text));
  }

  async listContexts(): Promise<StoredContext[]> {
    const texts = await this.send((redis) => redis.hvals(this.keys.contexts));
    return sortContexts(decodeDocuments<StoredContext>(texts));
  }

  /** One children script per board (its names index, then each name's entry), all in one pipeline. */
  async getBoards(scopes: readonly BoardScope[]): Promise<BoardIndexEntry[][]> {
    if (scopes.length === 0) return [];
    const replies = await this.batch((on) => {
      for (const { projectSlug, branch } of scopes) {
        const names = this.keys.boardNames(projectSlug, branch);
        // The index stands in for the parent: a board without entries has no index, which reads as no children.
        queueChildren(on(names), [{ document: names, index: names }], this.keys.boardEntry(projectSlug, branch, ""), "zset");
      }
    });
    return replies.map((reply) => decodeDocuments<BoardIndexEntry>((reply as (string[] | null)[])[0] ?? []));
  }

  async getBoardBranches(projectSlugs: readonly string[]): Promise<string[][]> {
    if (projectSlugs.length === 0) return [];
    return (await this.batch((on) => {
      for (const key of projectSlugs.map(this.keys.boardBranches)) on(key).zrange(key, 0, -1);
    })) as string[][];
  }

  async getPendingApprovals(projectSlugs: readonly string[]): Promise<PendingApprovalRecord[][]> {
    if (projectSlugs.length === 0) return [];
    const replies = (await this.batch((on) => {
      for (const key of projectSlugs.map(this.keys.pendingApprovals)) on(key).hvals(key);
    })) as string[][];
    return replies.map((texts) => sortPendingApprovals(decodeDocuments<PendingApprovalRecord>(texts)));
  }

  async listActivePipelines(): Promise<ActivePipeline[]> {
    const bySlug = await this.send((redis) => redis.hgetall(this.keys.active));
    return sortActivePipelines(Object.entries(bySlug).map(([id, projectSlug]) => ({ id, projectSlug })));
  }

  async listProjectKeys(): Promise<string[]> {
    return projectKeysOf(await this.send((redis) => redis.hvals(this.keys.slots)));
  }

  async getCursors(names: readonly string[]): Promise<(string | undefined)[]> {
    if (names.length === 0) return [];
    const values = await this.send((redis) => redis.hmget(this.keys.cursors, ...names));
    return values.map((value) => value ?? undefined);
  }

  async getSyncStatus(): Promise<SyncStatusRecord> {
    const [summary, statuses] = await this.batch((on) => {
      on(this.keys.summary).get(this.keys.summary);
      on(this.keys.statuses).hvals(this.keys.statuses);
    });
    return decodeSyncStatus(summary as string | null, statuses as string[]);
  }

  async listStagedEvents(): Promise<StagedEvents[]> {
    const slots = Object.entries(await this.send((redis) => redis.hgetall(this.keys.slots)));
    if (slots.length === 0) return [];
    const outboxes = (await this.batch((on) => {
      for (const key of slots.map(([slot]) => this.keys.outbox(slot))) on(key).hgetall(key);
    })) as Record<string, string>[];
    const entries = slots.flatMap(([, projectSlug], index) =>
      Object.entries(outboxes[index] ?? {}).map(([batchId, text]) => ({ batchId, projectSlug, text })),
    );
    return stagedInOrder(entries, (batchId, invalid) => this.logger.warn({ batchId, invalid }, "dropped staged change events that no longer decode"));
  }

  async getDocumentTexts(refs: readonly DocumentRef[]): Promise<(string | undefined)[]> {
    const texts: (string | undefined)[] = refs.map(() => undefined);
    const placed = refs.flatMap((ref, index) => {
      if (ref.kind === "jobRecord") return [{ index, key: this.keys.jobRecord(ref) }];
      if (ref.kind === "actionRecord") return [{ index, key: this.keys.actionRecord(ref.key) }];
      if (ref.kind === "boardEntry") return [{ index, key: this.keys.boardEntry(ref.projectSlug, ref.branch, ref.workflowName) }];
      return ref.projectSlug === undefined ? [] : [{ index, key: this.documentKey(ref.kind)(this.keys.projectSlot(ref.projectSlug), ref.id) }];
    });
    const unplaced = refs.flatMap((ref, index) =>
      ref.kind !== "jobRecord" && ref.kind !== "actionRecord" && ref.kind !== "boardEntry" && ref.projectSlug === undefined ? [{ ref, index }] : [],
    );
    if (placed.length > 0) {
      const found = await this.mget(placed.map(({ key }) => key));
      placed.forEach(({ index }, position) => (texts[index] = found[position] ?? undefined));
    }
    if (unplaced.length > 0) {
      const found = await this.documentTexts(unplaced.map(({ ref }) => (ref as { id: string }).id), (slot, id, position) => {
        const { kind } = unplaced[position]?.ref as { kind: "pipeline" | "workflow" | "job" };
        return this.documentKey(kind)(slot, id);
      });
      unplaced.forEach(({ index }, position) => (texts[index] = found[position]));
    }
    return texts;
  }

  /**
   * One Redis: the whole batch in one call of the write script, atomically. A cluster: one call per slot (a script
   * may only touch keys of one slot), each atomic with its own fence and sequence, in the plan's order (what lets
   * readers find a project's data, then the projects' data, several projects at once, then what describes it), so a
   * reader never meets data it cannot find. A batch is then not atomic across slots; to keep "a condition failed:
   * nothing was applied", the conditions of a batch spanning slots are checked first, in one read. A writer racing
   * in between can still make a later slot refuse what earlier slots applied: every write is an upsert, unchanged
   * re-writes change nothing, and the writer re-reads and retries, so the retry completes the batch.
   */
  async applyWrites(batch: WriteBatch): Promise<WriteOutcome> {
    const plan = planWrites(batch.writes, {
      keys: this.keys,
      isKnownId: (id) => this.known.get(id)?.recorded === true,
      isKnownSlot: (slot) => this.registered.has(slot),
    });
    if (plan.length === 0) return { applied: true, changed: [], sequence: undefined };
    const parts = this.keys.perSlot ? plan : [{ slot: this.keys.shared, ...wholePlan(plan) }];
    if (parts.length > 1) {
      const conflicts = await this.failedConditions(parts);
      if (conflicts.length > 0) return { applied: false, conflicts };
    }
    const changed = new Set<Tag>();
    let sequence: number | undefined;
    for (const phase of phases(parts, this.keys.shared)) {
      const outcomes = await Promise.allSettled(phase.map((part) => this.writePart(part, batch.epoch)));
      const failure = outcomes.find((outcome) => outcome.status === "rejected");
      if (failure !== undefined) throw failure.reason;
      const done = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<PartOutcome>).value);
      const conflicts = done.flatMap((outcome) => ("conflicts" in outcome ? outcome.conflicts : []));
      if (conflicts.length > 0) return { applied: false, conflicts: [...new Set(conflicts)].sort((a, b) => a - b) };
      for (const outcome of done) {
        if (!("changed" in outcome)) continue;
        outcome.changed.forEach((tag) => changed.add(tag));
        sequence ??= outcome.sequence;
      }
    }
    this.remember(batch.writes);
    return { applied: true, changed: [...changed], sequence };
  }

  /** One call of the write script over one slot's operations. */
  private async writePart(part: SlotWrites, epoch: number | undefined): Promise<PartOutcome> {
    const call = writeScriptCall(part.ops, {
      fence: this.keys.fence(part.slot),
      sequence: this.keys.sequence(part.slot),
      channel: this.keys.invalidations,
      epoch,
    });
    const [outcome, ...rest] = await this.send(() => this.write(call));
    switch (outcome) {
      case "fenced":
        throw new WriteFencedError(epoch as number, Number(rest[0]));
      case "conflict":
        return { conflicts: failedWrites(rest as number[], part.writeIndexes) };
      default: {
        const [sequence, ...changed] = rest as [number, ...Tag[]];
        return { changed, sequence: sequence === 0 ? undefined : sequence };
      }
    }
  }

  /** The writes whose condition does not hold now, read in one `mget` (the script checks them again, atomically). */
  private async failedConditions(parts: readonly SlotWrites[]): Promise<number[]> {
    const conditioned = parts.flatMap((part) =>
      part.ops.flatMap((op, at) => {
        const condition = conditionOf(op);
        return condition === undefined ? [] : [{ key: op.key, condition, write: part.writeIndexes[at] as number }];
      }),
    );
    if (conditioned.length === 0) return [];
    const texts = await this.mget(conditioned.map(({ key }) => key));
    const failed = conditioned.filter(({ condition }, at) => ("absent" in condition ? texts[at] !== null : texts[at] !== condition.stored));
    return [...new Set(failed.map(({ write }) => write))].sort((a, b) => a - b);
  }

  async ping(): Promise<void> {
    await this.send((redis) => redis.ping());
  }

  /** Sends QUIT (replies in flight still arrive). Idempotent; every later call rejects with `StoreClosedError`. */
  close(): Promise<void> {
    this.closing ??= closeRedis(this.redis);
    return this.closing;
  }

  private documentKey(kind: "pipeline" | "workflow" | "job"): (slot: Slot, id: string) => string {
    return kind === "pipeline" ? this.keys.pipeline : kind === "workflow" ? this.keys.workflow : this.keys.job;
  }

  /**
   * Reads something of each id in its project's slot. `read` queues the commands for the ids it is given and
   * returns what consumes their replies. Ids of a remembered project are read in the round trip that looks the
   * others up in the directory; those the directory knows are read in one more. An id of no stored project is not
   * read at all.
   */
  private async readLocated(ids: readonly string[], read: (on: PipelineFor, located: readonly Located[]) => (replies: unknown[]) => void): Promise<void> {
    const known: Located[] = [];
    const unknown: { id: string; index: number }[] = [];
    ids.forEach((id, index) => {
      const slot = this.known.get(id)?.slot;
      if (slot === undefined) unknown.push({ id, index });
      else known.push({ id, index, slot });
    });
    const lookups = [...new Set(unknown.map(({ id }) => id))];
    if (known.length === 0 && lookups.length === 0) return;
    let consume: ((replies: unknown[]) => void) | undefined;
    const replies = await this.batch((on) => {
      if (lookups.length > 0) on(this.keys.owners).hmget(this.keys.owners, ...lookups);
      if (known.length > 0) consume = read(on, known);
    });
    if (lookups.length > 0) {
      const slots = replies.shift() as (string | null)[];
      lookups.forEach((id, index) => {
        const slot = slots[index];
        if (slot != null) this.known.set(id, { slot, recorded: true });
      });
    }
    consume?.(replies);
    const found = unknown.flatMap(({ id, index }) => {
      const slot = this.known.get(id)?.slot;
      return slot === undefined ? [] : [{ id, index, slot }];
    });
    if (found.length === 0) return;
    let consumeFound: ((replies: unknown[]) => void) | undefined;
    const more = await this.batch((on) => {
      consumeFound = read(on, found);
    });
    consumeFound?.(more);
  }

  /** Ids listed under a project: of its slot, though not known to be in the directory. */
  private learn(ids: readonly string[], slot: Slot): void {
    for (const id of ids) if (!this.known.has(id)) this.known.set(id, { slot, recorded: false });
  }

  /** What an applied batch put in the directory and the registry. */
  private remember(writes: readonly StoreWrite[]): void {
    const record = (projectSlug: string, ...ids: string[]): void => {
      const slot = this.keys.projectSlot(projectSlug);
      this.registered.add(slot);
      for (const id of ids) this.known.set(id, { slot, recorded: true });
    };
    for (const write of writes) {
      if (write.kind === "pipeline") record(write.projectSlug, write.pipeline.id);
      else if (write.kind === "workflow") record(write.projectSlug, write.workflow.id, write.workflow.pipeline_id);
      else if (write.kind === "job") record(write.projectSlug, write.job.id);
      else if (write.kind === "jobList") record(write.projectSlug, write.workflowId);
      else if (write.kind === "jobRecord") record(write.record.projectSlug);
      else if (write.kind === "stage" || write.kind === "pendingApprovals") record(write.projectSlug);
      else if (write.kind === "boardEntry") record(write.entry.projectSlug);
      // The directory no longer records them: were they written again, it must be told again.
      else if (write.kind === "removePipeline") for (const id of [write.pipelineId, ...write.workflowIds, ...write.jobIds]) this.known.delete(id);
    }
  }

  private async documents<T>(ids: readonly string[], keyOf: (slot: Slot, id: string) => string): Promise<(T | undefined)[]> {
    return (await this.documentTexts(ids, keyOf)).map((text) => decodeDocument<T>(text));
  }

  /** The text of each id's document (`keyOf` names it, given the id's position), undefined where none is stored. */
  private async documentTexts(ids: readonly string[], keyOf: (slot: Slot, id: string, position: number) => string): Promise<(string | undefined)[]> {
    const texts: (string | undefined)[] = ids.map(() => undefined);
    await this.readLocated(ids, (on, located) => {
      const bySlot = groupBySlot(located);
      for (const [slot, inSlot] of bySlot) {
        const keys = inSlot.map(({ id, index }) => keyOf(slot, id, index));
        on(keys[0] as string).mget(keys);
      }
      return (replies) =>
        [...bySlot.values()].forEach((inSlot, call) =>
          inSlot.forEach(({ index }, position) => (texts[index] = (replies[call] as (string | null)[])[position] ?? undefined)),
        );
    });
    return texts;
  }

  /**
   * The children script over these parents, one call per project in one pipeline (see `children-script.ts`). The
   * children found are of the parents' projects, which is remembered.
   */
  private async readChildren<T extends { id: string }>(
    parentIds: readonly string[],
    documentKey: (slot: Slot, id: string) => string,
    indexKey: (slot: Slot, id: string) => string,
    childKey: (slot: Slot, id: string) => string,
    kind: IndexKind,
  ): Promise<(T[] | undefined)[]> {
    const lists: (T[] | undefined)[] = parentIds.map(() => undefined);
    await this.readLocated(parentIds, (on, located) => {
      const bySlot = groupBySlot(located);
      for (const [slot, parents] of bySlot) {
        const keys = parents.map(({ id }) => ({ document: documentKey(slot, id), index: indexKey(slot, id) }));
        queueChildren(on(childKey(slot, "")), keys, childKey(slot, ""), kind);
      }
      return (replies) =>
        [...bySlot].forEach(([slot, parents], call) => {
          parents.forEach(({ index }, position) => {
            const texts = (replies[call] as (string[] | null)[])[position];
            if (texts == null) return;
            const children = decodeDocuments<T>(texts);
            this.learn(children.map((child) => child.id), slot);
            lists[index] = children;
          });
        });
    });
    return lists;
  }

  /** One list per id, read with one command each, all in one pipeline; an id of no known project has none. */
  private async readLists(ids: readonly string[], read: (on: PipelineFor, slot: Slot, id: string) => void): Promise<string[][]> {
    const lists: string[][] = ids.map(() => []);
    await this.readLocated(ids, (on, located) => {
      for (const { id, slot } of located) read(on, slot, id);
      return (replies) =>
        located.forEach(({ index, slot }, position) => {
          const list = (replies[position] as string[] | undefined) ?? [];
          this.learn(list, slot);
          lists[index] = list;
        });
    });
    return lists;
  }

  /** Reads several keys in one non-transactional pipeline (on a cluster, one per node: `execGrouped`). */
  private async batch(queue: (on: PipelineFor) => void): Promise<unknown[]> {
    return this.send(async () => repliesOf(await execGrouped(this.redis, queue)));
  }

  /** The strings at `keys`, in one MGET per slot, all in one `batch`. */
  private async mget(keys: readonly string[]): Promise<(string | null)[]> {
    const bySlot = new Map<number, number[]>();
    keys.forEach((key, position) => {
      const slot = hashSlot(key);
      const inSlot = bySlot.get(slot);
      if (inSlot === undefined) bySlot.set(slot, [position]);
      else inSlot.push(position);
    });
    const replies = await this.batch((on) => {
      for (const positions of bySlot.values()) {
        const inSlot = positions.map((position) => keys[position] as string);
        on(inSlot[0] as string).mget(inSlot);
      }
    });
    const texts: (string | null)[] = keys.map(() => null);
    [...bySlot.values()].forEach((positions, call) => positions.forEach((position, at) => (texts[position] = (replies[call] as (string | null)[])[at] ?? null)));
    return texts;
  }

  /** Sends one round trip, and tells an unreachable Redis apart from an error Redis answered with. */
  private async send<T>(roundTrip: (redis: RedisCommander) => Promise<T>): Promise<T> {
    if (this.closing !== undefined) throw new StoreClosedError();
    const probe = this.unreachable && this.redis.status !== "ready";
    if (probe && this.probing) {
      throw new StoreUnavailableError(this.address, { cause: new Error(`not connected (${this.redis.status}); reconnecting in the background`) });
    }
    this.probing ||= probe;
    this.sent++;
    try {
      return await roundTrip(this.redis);
    } catch (error) {
      if (error instanceof ReplyError) throw error;
      this.unreachable = true;
      throw new StoreUnavailableError(this.address, { cause: error });
    } finally {
      if (probe) this.probing = false;
    }
  }
}

type PartOutcome = { changed: Tag[]; sequence: number | undefined } | { conflicts: number[] };

/**
 * The parts of a plan in the order they are applied: each shared-slot part alone, each run of project parts
 * together (they are independent of one another).
 */
function phases(parts: readonly SlotWrites[], shared: Slot): SlotWrites[][] {
  const result: SlotWrites[][] = [];
  for (const part of parts) {
    const last = result.at(-1);
    if (part.slot !== shared && last !== undefined && last[0]?.slot !== shared) last.push(part);
    else result.push([part]);
  }
  return result;
}

/** Ids to read, by the slot of their project, in the order met. */
function groupBySlot(located: readonly Located[]): Map<Slot, Located[]> {
  const bySlot = new Map<Slot, Located[]>();
  for (const entry of located) {
    const inSlot = bySlot.get(entry.slot);
    if (inSlot === undefined) bySlot.set(entry.slot, [entry]);
    else inSlot.push(entry);
  }
  return bySlot;
}

