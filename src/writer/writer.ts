/**
 * The one writer of the store. The sync, the webhooks and the read path describe what they fetched; the writer
 * decides how it is stored: which documents change (merged under the rule that nothing moves back), in which order
 * (children before parents), on which condition (the document still holds what was read), fenced by the sync
 * leader's epoch or not, with which change events (staged in the same atomic write, published, then cleared).
 * Every write is one `applyWrites` of the store, which names the tags of what it changed to every cache.
 */
import { silentLogger } from "../log.js";
import type { Logger } from "../log.js";
import { decodeDocument } from "../store/codec.js";
import { WriteFencedError } from "../store/errors.js";
import type { ChangeEvent, EventBus } from "../store/events.js";
import type { ActionRecord, JobKey, JobRecord, Store, StoredContext, StoredPipelineTree, StoredProject, StreamStatusRecord, SyncSummaryRecord } from "../store/store.js";
import type { StoreWrite, WriteBatch, WriteOutcome } from "../store/writes.js";
import type { Pipeline, TestResult, Workflow, WorkflowJob } from "../circleci/index.js";
import { isLiveWorkflowStatus } from "../sync/live.js";
import { approvalsOfEndedWorkflow, approvalsOfJob, NO_APPROVAL_CHANGES } from "./approvals.js";
import type { ApprovalChanges } from "./approvals.js";
import { BOARD_INDEX_VERSION, boardChange, boardEntryRefs, boardIndexCursorName, boardIndexOfProject, conditionOf, boardSlotsOf, boardUpdates, rebuiltBoardEntry } from "./board.js";
import type { BoardChange, BoardSlot } from "./board.js";
import { storedRuns } from "./board-history.js";
import { boardEntriesOfTrees, boardRemovals, pipelineRemoval } from "./retention.js";
import { jobChanges, sameDocument, workflowChanges } from "./changes.js";
import { WriteConflictError } from "./errors.js";
import { reviseJob, reviseWorkflow } from "./news.js";
import type { JobNews, WorkflowNews } from "./news.js";
import { stagedAt, stagedBatchId } from "./outbox.js";
import { isFinal, isLeftToSync, isSettled, storedSubtree, subtreeInserts, subtreeRefs } from "./read-path.js";
import type { SubtreeWrite } from "./read-path.js";
import { treeRefs, treeWrites } from "./trees.js";
import type { FetchedTrees, TreeCounts } from "./trees.js";

export interface StoreWriterOptions {
  store: Store;
  /** Where change events go once their write is applied. */
  bus: Pick<EventBus, "publish">;
  /**
   * The sync's overlap (`SYNC_LOOKBACK_HOURS`), in ms: what the sync will still read is left for it to store, so it
   * announces what it finds. Default 6 h.
   */
  syncLookbackMs?: number;
  /** Attempts of a conditional write that finds the store changed under it. Default 5. */
  maxAttempts?: number;
  logger?: Logger;
}

/** Writes the store refused, by reason: `fence` (an older leader epoch) and `conflict` (a failed condition, retried). */
export interface WriterStats {
  refused: { fence: number; conflict: number };
}

/**
 * The sync's writes, fenced by the epoch of the lease it holds (none: a writer without a lease, such as `sync --once`,
 * or an action storing what it changed as the sync would).
 */
export interface SyncWriter {
  /** A batch of a project's pipelines with their workflows, jobs and job records, and the active set's changes. */
  commitPipelineTrees(trees: FetchedTrees): Promise<TreeCounts>;
  putProjects(projects: readonly StoredProject[]): Promise<void>;
  /** Full refresh: afterwards the store holds exactly these contexts (one gone upstream is removed). */
  replaceContexts(contexts: readonly StoredContext[]): Promise<void>;
  setCursor(name: string, value: string): Promise<void>;
  /** Pipelines that no longer need re-polling whatever their state (CircleCI no longer serves them). */
  leaveActiveSet(pipelineIds: readonly string[]): Promise<void>;
  putStreamStatuses(statuses: readonly StreamStatusRecord[]): Promise<void>;
  putSyncSummary(summary: SyncSummaryRecord): Promise<void>;
  /**
   * Builds a project's status board index from the runs the store holds, and marks it built (`boardIndexCursorName`):
   * once per project, for a store filled before the index existed (on an empty store it only sets the mark). From
   * then on every write keeps the index.
   */
  buildBoardIndex(projectSlug: string): Promise<void>;
  /**
   * Removes these pipelines of a project with everything stored under them (as `listPipelineTreesBefore` read them),
   * and the board entries whose latest run goes with them, in one atomic batch. Announces nothing: the caches are
   * told by the tags of what was removed, subscribers hear nothing, since nothing happened upstream.
   */
  removePipelineTrees(projectSlug: string, trees: readonly StoredPipelineTree[]): Promise<void>;
}

/** What the webhooks write. */
export type WebhookWriter = Pick<StoreWriter, "completeWorkflow" | "completeJob">;

/** What the read path writes back. */
export type ReadPathWriter = Pick<StoreWriter, "storeSettledSubtree" | "storeFinalJobRecord" | "storeTestResults">;

/** What actions (mutations) write: the records of their idempotency keys, and what they changed, as the sync writes it. */
export type ActionWriter = Pick<StoreWriter, "claimAction" | "settleAction" | "forSync">;

const DEFAULT_SYNC_LOOKBACK_MS = 6 * 3_600_000;
const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * What the writer's indexes (the status board, the approvals inbox) need of a write besides its documents. Their
 * writes go in the same atomic batch as the documents, each board entry on the condition that it still holds what
 * was read, so an index never disagrees with the documents and concurrent writers never lose each other's runs.
 */
interface IndexInput {
  projectSlug: string;
  /** Workflows written (new or changed), as written. */
  workflows: readonly Workflow[];
  /** Pipelines the write knows, by id; those of other written workflows are read from the store. */
  pipelines: ReadonlyMap<string, Pipeline>;
  approvals: ApprovalChanges;
  /** Whether the write's changes are news: not for a first backfill, nor the read path's history. */
  announce: boolean;
}

/** One attempt of a conditional write, built from what the store holds now. */
interface Attempt<T> {
  writes: StoreWrite[];
  /** Staged with the writes in the outbox of `projectSlug`, published once they are applied. */
  events: readonly ChangeEvent[];
  projectSlug?: string;
  result: T;
}

export class StoreWriter {
  readonly #store: Store;
  readonly #bus: Pick<EventBus, "publish">;
  readonly #syncLookbackMs: number;
  readonly #maxAttempts: number;
  readonly #logger: Logger;
  readonly #stats: WriterStats = { refused: { fence: 0, conflict: 0 } };

  constructor(options: StoreWriterOptions) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#syncLookbackMs = options.syncLookbackMs ?? DEFAULT_SYNC_LOOKBACK_MS;
    this.#maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.#logger = (options.logger ?? silentLogger).child({ component: "writer" });
    if (!(Number.isInteger(this.#maxAttempts) && this.#maxAttempts >= 1)) throw new RangeError(`maxAttempts must be an integer >= 1, got ${this.#maxAttempts}`);
  }

  /** A copy of the counters so far. */
  get stats(): WriterStats {
    return { refused: { ...this.#stats.refused } };
  }

  /** The sync's writes under the lease of `epoch`: the store refuses them once a newer leader was granted. */
  forSync(epoch: number | undefined): SyncWriter {
    const write = (writes: StoreWrite[]): Promise<void> => this.#applyUnconditional(epoch, writes);
    return {
      commitPipelineTrees: (trees) =>
        this.#commit(`the pipeline trees of ${trees.projectSlug}`, epoch, async () => {
          const tree = treeWrites(trees, await this.#store.getDocumentTexts(treeRefs(trees)));
          const { projectSlug, announce } = trees;
          const indexes = await this.#indexWrites({ projectSlug, workflows: tree.writtenWorkflows, pipelines: tree.pipelines, approvals: tree.approvals, announce });
          return { writes: [...tree.writes, ...indexes.writes], events: [...tree.events, ...indexes.events], projectSlug, result: tree.counts };
        }),
      putProjects: (projects) => write(projects.map((project) => ({ kind: "project", project }))),
      replaceContexts: (contexts) => write([{ kind: "contexts", contexts }]),
      setCursor: (name, value) => write([{ kind: "cursor", name, value }]),
      leaveActiveSet: (pipelineIds) => write(pipelineIds.length === 0 ? [] : [{ kind: "active", remove: pipelineIds }]),
      putStreamStatuses: (statuses) => write(statuses.map((status) => ({ kind: "streamStatus", status }))),
      putSyncSummary: (summary) => write([{ kind: "summary", summary }]),
      buildBoardIndex: (projectSlug) =>
        this.#commit(`the status board index of ${projectSlug}`, epoch, async () => {
          const { runs, pipelines } = await storedRuns(this.#store, projectSlug);
          const entries = boardIndexOfProject(projectSlug, runs, (id) => pipelines.get(id));
          const texts = await this.#store.getDocumentTexts(boardEntryRefs(entries));
          const writes = entries.flatMap((entry, index) => boardChange(decodeDocument(texts[index]), entry, conditionOf(texts[index]))?.write ?? []);
          return nothing<void>(undefined, [...writes, { kind: "cursor", name: boardIndexCursorName(projectSlug), value: BOARD_INDEX_VERSION }]);
        }),
      removePipelineTrees: (projectSlug, trees) =>
        this.#commit(`the expired pipelines of ${projectSlug}`, epoch, async () => {
          if (trees.length === 0) return nothing<void>(undefined);
          const places = boardEntriesOfTrees(projectSlug, trees);
          const texts = await this.#store.getDocumentTexts(boardEntryRefs(places));
          const removed = new Set(trees.flatMap(({ workflows }) => workflows.map(({ id }) => id)));
          return nothing<void>(undefined, [...boardRemovals(places, texts, removed), ...trees.map((tree) => pipelineRemoval(projectSlug, tree))]);
        }),
    };
  }

  /**
   * A `workflow-completed` delivery: patches the stored workflow's status and end, unless that would move it back.
   * A workflow the store does not hold is left to the sync, which fetches it whole. Returns what it announced.
   */
  completeWorkflow(news: WorkflowNews): Promise<ChangeEvent[]> {
    return this.#commit(`workflow ${news.id}`, undefined, async () => {
      const [text] = await this.#store.getDocumentTexts([{ kind: "workflow", id: news.id }]);
      const stored = decodeDocument<Workflow>(text);
      const revised = stored === undefined ? undefined : reviseWorkflow(stored, news);
      if (stored === undefined || revised === undefined || text === undefined) return nothing([]);
      const projectSlug = stored.project_slug;
      const approvals = isLiveWorkflowStatus(revised.status)
        ? NO_APPROVAL_CHANGES
        : approvalsOfEndedWorkflow(revised, (await this.#store.getPendingApprovals([projectSlug]))[0] ?? []);
      const indexes = await this.#indexWrites({ projectSlug, workflows: [revised], pipelines: new Map(), approvals, announce: true });
      const events = [...workflowChanges(projectSlug, [{ stored, fetched: revised }]), ...indexes.events];
      const writes: StoreWrite[] = [{ kind: "workflow", projectSlug, workflow: revised, condition: { stored: text } }, ...indexes.writes];
      return { writes, events, projectSlug, result: events };
    });
  }

  /** A `job-completed` delivery: patches that one job's document (its workflow's list stays as it is). */
  completeJob(workflowId: string, news: JobNews): Promise<ChangeEvent[]> {
    return this.#commit(`job ${news.id}`, undefined, async () => {
      const [text] = await this.#store.getDocumentTexts([{ kind: "job", id: news.id }]);
      const stored = decodeDocument<WorkflowJob>(text);
      const revised = stored === undefined ? undefined : reviseJob(stored, news);
      if (stored === undefined || revised === undefined || text === undefined) return nothing([]);
      const projectSlug = stored.project_slug;
      const indexes = await this.#indexWrites({ projectSlug, workflows: [], pipelines: new Map(), approvals: approvalsOfJob(revised), announce: true });
      const events = [...jobChanges(projectSlug, [{ stored, fetched: revised, workflowId }]), ...indexes.events];
      const writes: StoreWrite[] = [{ kind: "job", projectSlug, job: revised, condition: { stored: text } }, ...indexes.writes];
      return { writes, events, projectSlug, result: events };
    });
  }

  /**
   * A subtree the read path fetched: its workflows with their jobs, then its pipeline if given, when it is settled
   * and out of the sync's reach, where the store holds nothing (workflows without their pipeline: only under a
   * pipeline the store holds). Answers whether the rules let it be stored.
   */
  async storeSettledSubtree(fetched: SubtreeWrite): Promise<boolean> {
    const subtree = storedSubtree(fetched);
    const root = subtree.pipeline ?? subtree.workflows[0]?.workflow;
    if (root === undefined || !isSettled(subtree)) return false;
    if (await isLeftToSync(this.#store, root, this.#syncLookbackMs)) return false;
    const projectSlug = root.project_slug;
    // Retention removes what hangs under a listed pipeline: workflows stored without theirs would never leave.
    if (subtree.pipeline === undefined && !(await this.#holdsPipeline(subtree.workflows[0]?.workflow.pipeline_id, projectSlug))) return false;
    await this.#commit(`a subtree of ${projectSlug}`, undefined, async () => {
      const inserts = subtreeInserts(subtree, projectSlug, await this.#store.getDocumentTexts(subtreeRefs(subtree, projectSlug)));
      const workflows = inserts.flatMap((write) => (write.kind === "workflow" ? [write.workflow] : []));
      const pipelines = new Map(subtree.pipeline === undefined ? [] : [[subtree.pipeline.id, subtree.pipeline]]);
      const indexes = await this.#indexWrites({ projectSlug, workflows, pipelines, approvals: NO_APPROVAL_CHANGES, announce: false });
      return nothing<void>(undefined, [...inserts, ...indexes.writes]);
    });
    return true;
  }

  async #holdsPipeline(pipelineId: string | undefined, projectSlug: string): Promise<boolean> {
    if (pipelineId === undefined) return false;
    const [text] = await this.#store.getDocumentTexts([{ kind: "pipeline", id: pipelineId, projectSlug }]);
    return text !== undefined;
  }

  /** A job record the read path fetched, once final, where the store holds none. Answers whether it was final. */
  async storeFinalJobRecord(record: JobRecord): Promise<boolean> {
    if (!isFinal(record)) return false;
    await this.#commit(`job record ${record.projectSlug}#${record.number}`, undefined, async () => {
      const [text] = await this.#store.getDocumentTexts([{ kind: "jobRecord", projectSlug: record.projectSlug, number: record.number }]);
      return nothing<void>(undefined, text === undefined ? [{ kind: "jobRecord", record, condition: { absent: true } }] : []);
    });
    return true;
  }

  /**
   * The test results the read path fetched for a job, added to its stored record where that record is final and holds
   * none yet (results of a finished job are final with it). Where the store holds no final record nothing is stored:
   * the record's own write-back stores it, and its results come with the next query that asks. Answers whether they
   * were stored.
   */
  async storeTestResults(key: JobKey, tests: readonly TestResult[]): Promise<boolean> {
    return this.#commit(`the test results of job ${key.projectSlug}#${key.number}`, undefined, async () => {
      const [text] = await this.#store.getDocumentTexts([{ kind: "jobRecord", projectSlug: key.projectSlug, number: key.number }]);
      const stored = decodeDocument<JobRecord>(text);
      if (text === undefined || stored === undefined || !isFinal(stored) || stored.tests !== undefined) return nothing(false);
      return nothing(true, [{ kind: "jobRecord", record: { ...stored, tests: [...tests] }, condition: { stored: text } }]);
    });
  }

  /**
   * Claims an idempotency key for an action: stores `claim`, to live `ttlMs`, where the store holds no record of the
   * key or only a released one. Where another record holds the key (the first use's, settled or still at work),
   * stores nothing and answers that record. Of concurrent claims on any instances, exactly one is stored.
   */
  claimAction(key: string, claim: ActionRecord, ttlMs: number): Promise<ActionRecord | undefined> {
    return this.#commit(`the record of idempotency key ${key}`, undefined, async () => {
      const [text] = await this.#store.getDocumentTexts([{ kind: "actionRecord", key }]);
      const held = decodeDocument<ActionRecord>(text);
      if (held !== undefined && held.outcome?.kind !== "released") return nothing<ActionRecord | undefined>(held);
      const condition = text === undefined ? { absent: true as const } : { stored: text };
      return nothing<ActionRecord | undefined>(undefined, [{ kind: "actionRecord", key, record: claim, ttlMs, condition }]);
    });
  }

  /**
   * Replaces a claim with its settled record, to live `ttlMs` more, while the store still holds that claim (the same
   * claimant, not yet settled): answers whether it did. A claim whose time ran out, or that another claimant took
   * over since, is left as it is.
   */
  settleAction(key: string, settled: ActionRecord, ttlMs: number): Promise<boolean> {
    return this.#commit(`the record of idempotency key ${key}`, undefined, async () => {
      const [text] = await this.#store.getDocumentTexts([{ kind: "actionRecord", key }]);
      const held = decodeDocument<ActionRecord>(text);
      if (text === undefined || held?.claimant !== settled.claimant || held.outcome !== undefined) return nothing(false);
      return nothing(true, [{ kind: "actionRecord", key, record: settled, ttlMs, condition: { stored: text } }]);
    });
  }

  /**
   * Publishes the batches staged at least `minAgeMs` ago and clears them; returns how many events went out. The age
   * keeps it from racing a writer still between its write and its publish (a webhook on another instance).
   */
  async publishStaged(minAgeMs: number, now: number = Date.now()): Promise<number> {
    let published = 0;
    for (const { batchId, projectSlug, events } of await this.#store.listStagedEvents()) {
      if (now - stagedAt(batchId) < minAgeMs) continue;
      if (events.length > 0) await this.#bus.publish(events);
      await this.#applyUnconditional(undefined, [{ kind: "unstage", projectSlug, batchIds: [batchId] }]);
      published += events.length;
    }
    return published;
  }

  /**
   * The index writes of a write (see `IndexInput`), and the events they announce: `board.changed` for each board
   * entry whose public fields changed, `approval.requested` for each approval that went on hold.
   */
  async #indexWrites(input: IndexInput): Promise<{ writes: StoreWrite[]; events: ChangeEvent[] }> {
    const { projectSlug, approvals } = input;
    const pipelines = await this.#pipelinesOf(projectSlug, [...input.workflows, ...approvals.requested.map(({ workflow }) => workflow)], input.pipelines);
    const slots = boardSlotsOf(projectSlug, input.workflows, (id) => pipelines.get(id));
    const board = slots.length === 0 ? [] : await this.#boardChanges(slots);
    const { put, remove } = approvals;
    const writes: StoreWrite[] = [
      ...board.map(({ write }) => write),
      ...(put.length + remove.length > 0 ? [{ kind: "pendingApprovals" as const, projectSlug, put, remove }] : []),
    ];
    if (!input.announce) return { writes, events: [] };
    const events: ChangeEvent[] = [
      ...board.flatMap(({ before, after }): ChangeEvent[] => (sameDocument(before, after) ? [] : [{ type: "board.changed", projectSlug, entry: after }])),
      ...approvals.requested.flatMap(({ record, job, workflow }): ChangeEvent[] => {
        const pipeline = pipelines.get(workflow.pipeline_id);
        return pipeline === undefined ? [] : [{ type: "approval.requested", projectSlug, approval: { job, workflow, pipeline, waitingSince: record.waitingSince } }];
      }),
    ];
    return { writes, events };
  }

  /** The pipelines of these workflows: from the write where it has them, else as the store holds them. */
  async #pipelinesOf(projectSlug: string, workflows: readonly Workflow[], known: ReadonlyMap<string, Pipeline>): Promise<Map<string, Pipeline>> {
    const pipelines = new Map(known);
    const missing = [...new Set(workflows.map((workflow) => workflow.pipeline_id))].filter((id) => !pipelines.has(id));
    if (missing.length === 0) return pipelines;
    const texts = await this.#store.getDocumentTexts(missing.map((id) => ({ kind: "pipeline", id, projectSlug })));
    texts.forEach((text, index) => {
      const pipeline = decodeDocument<Pipeline>(text);
      if (pipeline !== undefined) pipelines.set(missing[index] as string, pipeline);
    });
    return pipelines;
  }

  /** Each touched entry after the write: updated from its runs, or, for a run no summary can follow, rebuilt from history. */
  async #boardChanges(slots: readonly BoardSlot[]): Promise<BoardChange[]> {
    const { changes, rebuilds } = boardUpdates(slots, await this.#store.getDocumentTexts(boardEntryRefs(slots)));
    for (const rebuild of rebuilds) {
      const { projectSlug, branch, workflowName } = rebuild.slot;
      this.#logger.info({ projectSlug, branch, workflowName }, "a finished run changed its outcome: its board entry is rebuilt from the stored runs");
      const change = rebuiltBoardEntry(rebuild, (await storedRuns(this.#store, projectSlug, branch)).runs);
      if (change !== undefined) changes.push(change);
    }
    return changes;
  }

  /**
   * Applies an attempt, built anew from what the store holds, until no condition fails (at most `maxAttempts`),
   * with its events staged in the same batch; then publishes them and clears them from the outbox.
   */
  async #commit<T>(what: string, epoch: number | undefined, attempt: () => Promise<Attempt<T>>): Promise<T> {
    for (let attempts = 1; ; attempts++) {
      const { writes, events, projectSlug, result } = await attempt();
      if (writes.length === 0) return result;
      const staged = events.length > 0 && projectSlug !== undefined ? { projectSlug, batchId: stagedBatchId() } : undefined;
      const outcome = await this.#apply({ epoch, writes: staged === undefined ? writes : [...writes, { kind: "stage", ...staged, events }] });
      if (!outcome.applied) {
        this.#stats.refused.conflict += 1;
        if (attempts >= this.#maxAttempts) throw new WriteConflictError(what, attempts);
        continue;
      }
      if (staged !== undefined) {
        await this.#bus.publish(events);
        await this.#applyUnconditional(undefined, [{ kind: "unstage", projectSlug: staged.projectSlug, batchIds: [staged.batchId] }]);
      }
      return result;
    }
  }

  async #applyUnconditional(epoch: number | undefined, writes: StoreWrite[]): Promise<void> {
    if (writes.length > 0) await this.#apply({ epoch, writes });
  }

  async #apply(batch: WriteBatch): Promise<WriteOutcome> {
    try {
      return await this.#store.applyWrites(batch);
    } catch (error) {
      if (error instanceof WriteFencedError) {
        this.#stats.refused.fence += 1;
        this.#logger.warn({ epoch: error.epoch, newerEpoch: error.newerEpoch }, "write refused: a newer sync leader has written");
      }
      throw error;
    }
  }
}

/** An attempt that announces nothing. */
function nothing<T>(result: T, writes: StoreWrite[] = []): Attempt<T> {
  return { writes, events: [], result };
}
