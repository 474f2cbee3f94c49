import { ReplyError, type ChainableCommander, type Redis } from "ioredis";
import type { Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import { silentLogger, type Logger } from "../log.js";
import { decodeStagedBatch, encodeStagedBatch } from "./change-event-codec.js";
import { decodeDocument, decodeDocuments, decodeSyncStatus, encodeDocument } from "./codec.js";
import { StoreClosedError, StoreUnavailableError } from "./errors.js";
import type { ChangeEvent } from "./events.js";
import { DEFAULT_PREFIX, keyLayout, streamStatusId, type KeyLayout } from "./keys.js";
import {
  assertPageSize,
  pageFromWindow,
  pipelineBranch,
  sortActivePipelines,
  sortContexts,
  sortProjects,
  timestampScore,
} from "./order.js";
import { defineChildren } from "./children-script.js";
import type { IndexKind } from "./children-script.js";
import { definePipelinePage } from "./pipeline-page-script.js";
import { closeRedis, openRedis, reconnectingOptions, redisAddress, type ReconnectOptions } from "./redis-connection.js";
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

export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL. A password in it is used, never logged nor put in an error. */
  url: string;
  /** Prefix of every key (`REDIS_PREFIX`). Default `ccgw:`. */
  prefix?: string;
  /** Default: silent. */
  logger?: Logger;
  /** Reconnection and timeouts; see `ReconnectOptions` for the defaults. */
  reconnect?: ReconnectOptions;
}

/**
 * The shared cache on Redis (ioredis), laid out as `keys.ts` describes. Every method is one round trip:
 * a single command, a pipeline, a `MULTI` (for writes, so documents and their indexes change together) or
 * the pipeline-page script; an empty batch costs none. The connection opens at construction, in the
 * background: calls made before it is up wait for it. While Redis is unreachable calls fail fast with
 * `StoreUnavailableError`, and the same store answers again once Redis is back.
 *
 * Fast means at once, once a call has failed: ioredis would make every call wait through a reconnection
 * attempt first (`maxRetriesPerRequest`), and a GraphQL request that reads the store several times in a row
 * would pay that wait each time. So during an outage one call at a time (the probe) still waits for the
 * reconnection, and the others fail at once: a blip costs no error, and the first call after Redis returns
 * succeeds even before the connection noticed.
 */
export class RedisStore implements Store {
  readonly address: string;
  private readonly redis: Redis;
  private readonly keys: KeyLayout;
  private readonly logger: Logger;
  private readonly pipelinePage: ReturnType<typeof definePipelinePage>;
  private readonly children: ReturnType<typeof defineChildren>;
  private sent = 0;
  private closing: Promise<void> | undefined;
  /** A call failed for want of Redis, and the connection has not been ready since. */
  private unreachable = false;
  /** During an outage: a call is waiting for the reconnection. */
  private probing = false;

  constructor(options: RedisStoreOptions) {
    this.address = redisAddress(options.url);
    this.keys = keyLayout(options.prefix ?? DEFAULT_PREFIX);
    const logger = (options.logger ?? silentLogger).child({ component: "store", redis: this.address });
    this.logger = logger;
    this.redis = openRedis(options.url, logger, reconnectingOptions(options.reconnect));
    this.redis.on("ready", () => {
      this.unreachable = false;
    });
    this.pipelinePage = definePipelinePage(this.redis);
    this.children = defineChildren(this.redis);
  }

  /** Round trips sent to Redis so far (commands, pipelines and transactions each count one). */
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

  async putProjects(projects: readonly StoredProject[]): Promise<void> {
    if (projects.length === 0) return;
    const fields = projects.flatMap((project) => [project.slug, encodeDocument(project)]);
    await this.send((redis) => redis.hset(this.keys.projects, ...fields));
  }

  async getPipelines(ids: readonly string[]): Promise<(Pipeline | undefined)[]> {
    return this.getDocuments(ids.map(this.keys.pipeline));
  }

  async putPipelines(pipelines: readonly Pipeline[]): Promise<void> {
    const indexed = pipelines.flatMap((pipeline) => {
      const entry = { member: pipeline.id, score: timestampScore(pipeline.created_at) };
      const branch = pipelineBranch(pipeline);
      const projectEntry = { key: this.keys.pipelinesOf(pipeline.project_slug), ...entry };
      return branch === undefined ? [projectEntry] : [projectEntry, { key: this.keys.pipelinesOf(pipeline.project_slug, branch), ...entry }];
    });
    await this.transaction(pipelines.length > 0, (multi) => {
      multi.mset(documentEntries(pipelines, (pipeline) => this.keys.pipeline(pipeline.id)));
      addToSortedSets(multi, indexed);
    });
  }

  async listPipelineIds(projectSlug: string, options: PipelineListOptions): Promise<{ ids: string[]; hasMore: boolean }> {
    assertPageSize(options.first);
    const index = this.keys.pipelinesOf(projectSlug, options.branch);
    const after = options.after === undefined ? [] : [options.after];
    const window = await this.send(() => this.pipelinePage(index, options.first, ...after));
    return pageFromWindow(window, options.first);
  }

  async getWorkflows(ids: readonly string[]): Promise<(Workflow | undefined)[]> {
    return this.getDocuments(ids.map(this.keys.workflow));
  }

  async putWorkflows(workflows: readonly Workflow[]): Promise<void> {
    const indexed = workflows.map((workflow) => ({
      key: this.keys.workflowsOf(workflow.pipeline_id),
      member: workflow.id,
      score: timestampScore(workflow.created_at),
    }));
    await this.transaction(workflows.length > 0, (multi) => {
      multi.mset(documentEntries(workflows, (workflow) => this.keys.workflow(workflow.id)));
      addToSortedSets(multi, indexed);
    });
  }

  async workflowIdsOf(pipelineIds: readonly string[]): Promise<string[][]> {
    return this.readLists(pipelineIds, (batch, id) => batch.zrange(this.keys.workflowsOf(id), 0, -1));
  }

  async getWorkflowsOf(pipelineIds: readonly string[]): Promise<(Workflow[] | undefined)[]> {
    return this.readChildren(pipelineIds, this.keys.pipeline, this.keys.workflowsOf, this.keys.workflow(""), "zset");
  }

  async getJobs(ids: readonly string[]): Promise<(WorkflowJob | undefined)[]> {
    return this.getDocuments(ids.map(this.keys.job));
  }

  async putWorkflowJobs(jobsByWorkflow: ReadonlyMap<string, readonly WorkflowJob[]>): Promise<void> {
    const jobs = [...jobsByWorkflow.values()].flat();
    await this.transaction(jobsByWorkflow.size > 0, (multi) => {
      if (jobs.length > 0) multi.mset(documentEntries(jobs, (job) => this.keys.job(job.id)));
      for (const [workflowId, workflowJobs] of jobsByWorkflow) {
        const list = this.keys.jobsOf(workflowId);
        multi.del(list);
        if (workflowJobs.length > 0) multi.rpush(list, ...workflowJobs.map((job) => job.id));
      }
    });
  }

  async jobIdsOf(workflowIds: readonly string[]): Promise<string[][]> {
    return this.readLists(workflowIds, (batch, id) => batch.lrange(this.keys.jobsOf(id), 0, -1));
  }

  async getJobsOf(workflowIds: readonly string[]): Promise<(WorkflowJob[] | undefined)[]> {
    return this.readChildren(workflowIds, this.keys.workflow, this.keys.jobsOf, this.keys.job(""), "list");
  }

  async getJobRecords(keys: readonly JobKey[]): Promise<(JobRecord | undefined)[]> {
    return this.getDocuments(keys.map(this.keys.jobRecord));
  }

  async putJobRecords(records: readonly JobRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.send((redis) => redis.mset(documentEntries(records, this.keys.jobRecord)));
  }

  async listContexts(): Promise<StoredContext[]> {
    const texts = await this.send((redis) => redis.hvals(this.keys.contexts));
    return sortContexts(decodeDocuments<StoredContext>(texts));
  }

  async replaceContexts(contexts: readonly StoredContext[]): Promise<void> {
    const fields = contexts.flatMap((context) => [context.id, encodeDocument(context)]);
    await this.transaction(true, (multi) => {
      multi.del(this.keys.contexts);
      if (fields.length > 0) multi.hset(this.keys.contexts, ...fields);
    });
  }

  async listActivePipelines(): Promise<ActivePipeline[]> {
    const bySlug = await this.send((redis) => redis.hgetall(this.keys.active));
    return sortActivePipelines(Object.entries(bySlug).map(([id, projectSlug]) => ({ id, projectSlug })));
  }

  async setActivePipelines(changes: { add?: readonly ActivePipeline[]; remove?: readonly string[] }): Promise<void> {
    const added = (changes.add ?? []).flatMap((pipeline) => [pipeline.id, pipeline.projectSlug]);
    const removed = changes.remove ?? [];
    await this.transaction(added.length + removed.length > 0, (multi) => {
      if (added.length > 0) multi.hset(this.keys.active, ...added);
      if (removed.length > 0) multi.hdel(this.keys.active, ...removed);
    });
  }

  async getCursors(names: readonly string[]): Promise<(string | undefined)[]> {
    if (names.length === 0) return [];
    const values = await this.send((redis) => redis.mget(names.map(this.keys.cursor)));
    return values.map((value) => value ?? undefined);
  }

  async setCursors(cursors: ReadonlyMap<string, string>): Promise<void> {
    if (cursors.size === 0) return;
    const entries = [...cursors].flatMap(([name, value]) => [this.keys.cursor(name), value]);
    await this.send((redis) => redis.mset(entries));
  }

  async getSyncStatus(): Promise<SyncStatusRecord> {
    const [summary, statuses] = await this.batch((batch) => {
      batch.get(this.keys.summary);
      batch.hvals(this.keys.statuses);
    });
    return decodeSyncStatus(summary as string | null, statuses as string[]);
  }

  async putStreamStatuses(statuses: readonly StreamStatusRecord[]): Promise<void> {
    if (statuses.length === 0) return;
    const fields = statuses.flatMap((status) => [streamStatusId(status.stream, status.projectSlug), encodeDocument(status)]);
    await this.send((redis) => redis.hset(this.keys.statuses, ...fields));
  }

  async putSyncSummary(summary: SyncSummaryRecord): Promise<void> {
    await this.send((redis) => redis.set(this.keys.summary, encodeDocument(summary)));
  }

  async stageEvents(batchId: string, events: readonly ChangeEvent[]): Promise<void> {
    await this.send((redis) => redis.hset(this.keys.outbox, batchId, encodeStagedBatch(events)));
  }

  async listStagedEvents(): Promise<StagedEvents[]> {
    const batches = await this.send((redis) => redis.hgetall(this.keys.outbox));
    return stagedInOrder(Object.entries(batches), this.logger);
  }

  async clearStagedEvents(batchIds: readonly string[]): Promise<void> {
    if (batchIds.length === 0) return;
    await this.send((redis) => redis.hdel(this.keys.outbox, ...batchIds));
  }

  async ping(): Promise<void> {
    await this.send((redis) => redis.ping());
  }

  /** Sends QUIT (replies in flight still arrive). Idempotent; every later call rejects with `StoreClosedError`. */
  close(): Promise<void> {
    this.closing ??= closeRedis(this.redis);
    return this.closing;
  }

  private async getDocuments<T>(keys: string[]): Promise<(T | undefined)[]> {
    if (keys.length === 0) return [];
    const texts = await this.send((redis) => redis.mget(keys));
    return texts.map((text) => decodeDocument<T>(text));
  }

  /** The children script over these parents (see `children-script.ts`). */
  private async readChildren<T>(
    parentIds: readonly string[],
    documentKey: (id: string) => string,
    indexKey: (id: string) => string,
    childPrefix: string,
    kind: IndexKind,
  ): Promise<(T[] | undefined)[]> {
    if (parentIds.length === 0) return [];
    const parents = parentIds.map((id) => ({ document: documentKey(id), index: indexKey(id) }));
    const lists = await this.send(() => this.children(parents, childPrefix, kind));
    return lists.map((texts) => (texts === null ? undefined : decodeDocuments<T>(texts)));
  }

  /** One list per id, read with one command each, all in one pipeline. */
  private async readLists(ids: readonly string[], read: (batch: ChainableCommander, id: string) => void): Promise<string[][]> {
    if (ids.length === 0) return [];
    const lists = await this.batch((batch) => {
      for (const id of ids) read(batch, id);
    });
    return lists as string[][];
  }

  /** Reads several keys in one non-transactional pipeline. */
  private batch(queue: (batch: ChainableCommander) => void): Promise<unknown[]> {
    return this.execute(this.redis.pipeline(), queue);
  }

  /** Writes in one `MULTI`, so that readers never see a document without its index entries. */
  private async transaction(needed: boolean, queue: (multi: ChainableCommander) => void): Promise<void> {
    if (needed) await this.execute(this.redis.multi(), queue);
  }

  private async execute(commands: ChainableCommander, queue: (commands: ChainableCommander) => void): Promise<unknown[]> {
    queue(commands);
    return this.send(async () => replies(await commands.exec()));
  }

  /** Sends one round trip, and tells an unreachable Redis apart from an error Redis answered with. */
  private async send<T>(roundTrip: (redis: Redis) => Promise<T>): Promise<T> {
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

/** The replies of a pipeline or transaction, or the first error among them. */
function replies(results: [error: Error | null, reply: unknown][] | null): unknown[] {
  return (results ?? []).map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}

interface SortedSetEntry {
  key: string;
  member: string;
  score: number;
}

/** `ZADD` once per index, with every member the batch adds to it. */
function addToSortedSets(multi: ChainableCommander, entries: readonly SortedSetEntry[]): void {
  const byKey = new Map<string, (string | number)[]>();
  for (const { key, member, score } of entries) {
    const args = byKey.get(key) ?? [];
    args.push(score, member);
    byKey.set(key, args);
  }
  for (const [key, args] of byKey) multi.zadd(key, ...args);
}

function documentEntries<T>(documents: readonly T[], keyOf: (document: T) => string): string[] {
  return documents.flatMap((document) => [keyOf(document), encodeDocument(document)]);
}

/** Batch ids sort oldest first (`stagedBatchId`); a batch that no longer decodes is reported and skipped. */
function stagedInOrder(batches: [string, string][], logger: Logger): StagedEvents[] {
  return batches
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([batchId, text]) => {
      const { events, invalid } = decodeStagedBatch(text);
      if (invalid > 0) logger.warn({ batchId, invalid }, "dropped staged change events that no longer decode");
      return { batchId, events };
    });
}
