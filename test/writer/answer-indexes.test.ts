import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { boardEntryOfIndex, boardOf } from "../../src/answers/index.js";
import type { BoardEntry } from "../../src/answers/index.js";
import type { Workflow } from "../../src/circleci/index.js";
import { workflowSchema } from "../../src/circleci/schemas.js";
import { keyLayout } from "../../src/store/keys.js";
import { MemoryEventBus } from "../../src/store/events.js";
import type { ChangeEvent } from "../../src/store/events.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { RedisStore } from "../../src/store/redis-store.js";
import type { Store } from "../../src/store/store.js";
import { boardIndexCursorName, StoreWriter } from "../../src/writer/index.js";
import { truthApprovals, truthBoard, truthBranches } from "../support/answers-truth.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { commitAsSync } from "../support/writes.js";
import { pipeline } from "../store/fixtures.js";
import { BACKFILL_DAYS, DAY_MS, HOUR_MS, interceptWrites, NOW, startRig } from "../sync/harness.js";
import type { SyncRig } from "../sync/harness.js";
import { at, workflow } from "../answers/runs.js";

/**
 * The writer keeps the status board index and the approvals inbox with every write, in the same atomic batch as the
 * documents: after any sequence of sync cycles, webhooks and concurrent writers, the index equals what the answers'
 * definitions give over CircleCI's own data, and the events announce exactly what changed.
 */
const SINCE = NOW - BACKFILL_DAYS * DAY_MS;
let redis: TestRedis;
let prefixes = 0;
let rig: SyncRig | undefined;

beforeAll(async () => {
  redis = await startTestRedis();
});

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

afterAll(async () => {
  await redis?.stop();
});

function redisStore(): { store: RedisStore; prefix: string } {
  prefixes += 1;
  const prefix = `answers-${prefixes}:`;
  return { store: new RedisStore({ url: redis.url, prefix }), prefix };
}

const STORES: { name: string; create: () => Store }[] = [
  { name: "MemoryStore", create: () => new MemoryStore() },
  { name: "RedisStore", create: () => redisStore().store },
];

/** Every board the store's index holds for these projects (each branch it lists), as public entries. */
async function storedBoards(store: Store, slugs: readonly string[]): Promise<{ branches: string[][]; entries: BoardEntry[] }> {
  const branches = await store.getBoardBranches(slugs);
  const scopes = slugs.flatMap((projectSlug, index) => (branches[index] ?? []).map((branch) => ({ projectSlug, branch })));
  return { branches, entries: (await store.getBoards(scopes)).flat().map(boardEntryOfIndex) };
}

/** The index equals the truth: every branch the projects ran on, and each entry. */
async function expectBoardsOfTruth(current: SyncRig): Promise<BoardEntry[]> {
  const stored = await storedBoards(current.store, current.slugs);
  expect(stored.branches).toEqual(current.slugs.map((slug) => truthBranches(current.sim.world, slug, SINCE)));
  const truth = truthBoard(current.sim.world, { projectSlugs: current.slugs, since: SINCE, branch: "*" });
  expect(stored.entries).toEqual(truth);
  return truth;
}

async function expectApprovalsOfTruth(current: SyncRig): Promise<void> {
  // Per project, oldest first.
  const stored = (await current.store.getPendingApprovals(current.slugs)).flat();
  const truth = current.slugs.flatMap((slug) => truthApprovals(current.sim.world, [slug], SINCE));
  expect(stored.map(({ jobId, workflowId, pipelineId, waitingSince }) => ({ jobId, workflowId, pipelineId, waitingSince: Date.parse(waitingSince) }))).toEqual(
    truth.map(({ job, workflow, pipeline, waitingSince }) => ({ jobId: job.id, workflowId: workflow.id, pipelineId: pipeline.id, waitingSince: Date.parse(waitingSince) })),
  );
}

const keyOf = (entry: BoardEntry) => `${entry.projectSlug} ${entry.branch} ${entry.workflowName}`;

/** The board events of one step: one per entry that changed, the last of each being the entry as it is now. */
function expectBoardEvents(events: readonly ChangeEvent[], before: readonly BoardEntry[], after: readonly BoardEntry[]): void {
  const previous = new Map(before.map((entry) => [keyOf(entry), entry]));
  const changed = after.filter((entry) => JSON.stringify(previous.get(keyOf(entry))) !== JSON.stringify(entry));
  const announced = new Map<string, BoardEntry>();
  for (const event of events) if (event.type === "board.changed") announced.set(keyOf(event.entry), event.entry);
  expect([...announced.keys()].sort()).toEqual(changed.map(keyOf).sort());
  for (const entry of changed) expect(announced.get(keyOf(entry))).toEqual(entry);
}

/** A workflow the store holds live that CircleCI has ended since, as a `workflow-completed` delivery tells it. */
function endedUpstream(current: SyncRig, stored: readonly Workflow[]): Workflow | undefined {
  for (const workflow of stored) {
    const upstream = current.sim.world.state.workflows.get(workflow.id);
    if (upstream !== undefined && upstream.stopped_at != null && workflow.stopped_at == null) return workflowSchema.parse(upstream);
  }
  return undefined;
}

describe.each(STORES)("the answer indexes the writer keeps ($name)", ({ create }) => {
  it("equal the board and the inbox of CircleCI's data after a backfill, after each cycle as CircleCI moves on, and after webhooks that end workflows first", async () => {
    const current = (rig = await startRig({ store: create() }));
    const { world } = current.sim;
    const [first, second] = current.slugs as [string, string];
    expect((await current.engine.runCycle()).ok).toBe(true);
    let board = await expectBoardsOfTruth(current);
    await expectApprovalsOfTruth(current);
    // Learning history is not news: the backfill announces nothing.
    expect(await current.takeAnswerEvents()).toEqual([]);
    expect(board.length).toBeGreaterThan(4);

    let webhooks = 0;
    for (let step = 0; step < 4; step++) {
      world.triggerPipeline(first, { holdForApproval: step % 2 === 0 });
      world.triggerPipeline(second, { tag: `v9.${step}.0` });
      world.triggerPipeline(second, { branch: step === 1 ? "feature/new-tile" : undefined });
      world.advance((step + 1) * 7 * 60_000);
      if (step === 2) world.approveAllOnHold();
      const live = (await current.store.getBoards(board.map(({ projectSlug, branch }) => ({ projectSlug, branch })))).flat().map(({ latest }) => latest);
      const ended = endedUpstream(current, live);
      if (ended !== undefined) {
        webhooks += 1;
        await current.writer.completeWorkflow({ id: ended.id, status: ended.status, stopped_at: ended.stopped_at });
      }
      expect((await current.engine.runCycle()).ok).toBe(true);
      expect(await current.differences()).toEqual([]);
      const after = await expectBoardsOfTruth(current);
      await expectApprovalsOfTruth(current);
      expectBoardEvents(await current.takeAnswerEvents().then((events) => (events.filter((event) => event.type === "board.changed"))), board, after);
      board = after;
    }
    expect(webhooks).toBeGreaterThan(0);
    // A tag pipeline belongs to no branch: none of its runs is on a board.
    const tagRuns = new Set([...world.state.pipelines.values()].filter((wire) => wire.vcs?.tag !== undefined).flatMap((wire) => world.state.workflowsByPipeline.get(wire.id) ?? []));
    expect(tagRuns.size).toBeGreaterThan(0);
    expect(board.filter((entry) => tagRuns.has(entry.latest.id) || (entry.lastFinished !== null && tagRuns.has(entry.lastFinished.id)))).toEqual([]);
  });

  it("announces each approval once as it goes on hold, and takes it out once approved or once its workflow is canceled", async () => {
    const current = (rig = await startRig({ store: create() }));
    const { world } = current.sim;
    const [slug] = current.slugs as [string];
    expect((await current.engine.runCycle()).ok).toBe(true);
    await current.takeAnswerEvents();
    const held = [world.triggerPipeline(slug, { holdForApproval: true }), world.triggerPipeline(slug, { holdForApproval: true })];
    world.advance(20 * 60_000);
    expect((await current.engine.runCycle()).ok).toBe(true);
    await expectApprovalsOfTruth(current);
    const onHold = truthApprovals(world, [slug], SINCE).filter(({ pipeline }) => held.some(({ id }) => id === pipeline.id));
    expect(onHold).toHaveLength(2);
    const requested = (await current.takeAnswerEvents()).filter((event) => event.type === "approval.requested");
    expect(requested.map((event) => event.approval.job.id).sort()).toEqual(onHold.map(({ job }) => job.id).sort());
    for (const event of requested) {
      const truth = onHold.find(({ job }) => job.id === event.approval.job.id);
      expect({ ...event.approval, waitingSince: Date.parse(event.approval.waitingSince) }).toEqual({ ...truth, waitingSince: Date.parse(truth?.waitingSince ?? "") });
    }

    // Nothing moved: re-reading the same approvals announces nothing more.
    expect((await current.engine.runCycle()).ok).toBe(true);
    expect((await current.takeAnswerEvents()).filter((event) => event.type === "approval.requested")).toEqual([]);

    const [approved, canceled] = onHold as [(typeof onHold)[number], (typeof onHold)[number]];
    world.approve(approved.workflow.id, approved.job.approval_request_id as string);
    world.cancelWorkflow(canceled.workflow.id);
    const canceledWorkflow = workflowSchema.parse(world.state.workflows.get(canceled.workflow.id));
    // The cancellation arrives by webhook first: the inbox loses it at once, before any cycle.
    await current.writer.completeWorkflow({ id: canceledWorkflow.id, status: canceledWorkflow.status, stopped_at: canceledWorkflow.stopped_at });
    const waiting = async () => (await current.store.getPendingApprovals([slug]))[0]?.map(({ jobId }) => jobId);
    expect(await waiting()).not.toContain(canceled.job.id);
    expect(await waiting()).toContain(approved.job.id);
    // So does the approval's own `job-completed` delivery.
    const approvedJob = world.state.jobsByWorkflow.get(approved.workflow.id)?.find(({ id }) => id === approved.job.id);
    expect(approvedJob?.status).toBe("success");
    await current.writer.completeJob(approved.workflow.id, { id: approved.job.id, status: "success", stopped_at: approvedJob?.stopped_at ?? null });
    expect(await waiting()).not.toContain(approved.job.id);
    world.advance(60_000);
    expect((await current.engine.runCycle()).ok).toBe(true);
    await expectApprovalsOfTruth(current);
  });
});

describe("concurrent writers and corrections", () => {
  it("lose no run of a board entry when a webhook writes it between the sync's read and its write (the sync's write conflicts and is redone)", async () => {
    /** Set once the rig runs: the webhook below writes through its writer. */
    const running: { rig?: SyncRig } = {};
    let meddled = false;
    const store = interceptWrites(redisStore().store, async (batch) => {
      if (running.rig === undefined || meddled) return;
      // A workflow this batch ends, on a board entry it updates: the webhook tells of its end first.
      const ending = batch.writes.flatMap((write) => (write.kind === "workflow" && write.workflow.stopped_at != null && write.condition !== undefined && "stored" in write.condition ? [write.workflow] : []));
      const [ended] = ending.filter((run) => batch.writes.some((write) => write.kind === "boardEntry" && write.entry.workflowName === run.name));
      if (ended === undefined) return;
      meddled = true;
      await running.rig.writer.completeWorkflow({ id: ended.id, status: ended.status, stopped_at: ended.stopped_at });
    });
    const current = (rig = running.rig = await startRig({ store }));
    expect((await current.engine.runCycle()).ok).toBe(true);
    for (let step = 0; step < 6 && !meddled; step++) {
      for (const slug of current.slugs) current.sim.world.triggerPipeline(slug);
      current.sim.world.advance(15 * 60_000);
      expect((await current.engine.runCycle()).ok).toBe(true);
    }
    expect(meddled).toBe(true);
    expect(current.writer.stats.refused.conflict).toBeGreaterThan(0);
    expect(await current.differences()).toEqual([]);
    await expectBoardsOfTruth(current);
  });

  it("rebuilds an entry from the stored runs when a finished run changes its outcome, and keeps tag pipelines off every board", async () => {
    const store = new MemoryStore();
    const writer = new StoreWriter({ store, bus: new MemoryEventBus() });
    const slug = "gh/acme/api";
    const main = pipeline(1, at("09:00:00"), { project: slug, branch: "main" });
    const tagged = pipeline(2, at("09:30:00"), { project: slug, branch: null });
    const onMain = (spec: Parameters<typeof workflow>[0]) => ({ ...workflow(spec), pipeline_id: main.id, pipeline_number: main.number });
    const failed = onMain({ status: "failed", createdAt: "09:00:00", stoppedAt: "09:10:00" });
    const passed = onMain({ status: "success", createdAt: "10:00:00", stoppedAt: "10:10:00" });
    const release = { ...workflow({ name: "release", status: "failed", createdAt: "09:30:00", stoppedAt: "09:40:00" }), pipeline_id: tagged.id };
    await commitAsSync(writer, slug, { pipelines: [main, tagged], workflows: [failed, passed, release] });
    const scope = { projectSlug: slug, branch: "main" };
    expect((await store.getBoards([scope]))[0]?.map(boardEntryOfIndex)).toEqual(boardOf(scope, [failed, passed]));
    expect(await store.getBoardBranches([slug])).toEqual([["main"]]);

    // CircleCI never turns a success into a failure; a correction that does is followed by a rebuild from history.
    const corrected = { ...passed, status: "failed", stopped_at: at("10:20:00") };
    await commitAsSync(writer, slug, { workflows: [corrected] });
    const [entry] = (await store.getBoards([scope]))[0] ?? [];
    expect(entry === undefined ? undefined : boardEntryOfIndex(entry)).toEqual(boardOf(scope, [failed, corrected])[0]);
    expect(entry?.failureStreak.map(({ id }) => id)).toEqual([failed.id, corrected.id]);
    expect(entry?.lastSuccess).toBeNull();
  });
});

describe("on a store filled before the index existed, and with runs removed", () => {
  /** Deletes every key of the answer indexes and their mark: what a store written by an older version holds. */
  async function dropIndexes(admin: Redis, prefix: string, slugs: readonly string[]): Promise<void> {
    const keys = keyLayout(prefix);
    const indexKeys = [...(await admin.keys(`${prefix}*board*`)), ...slugs.map((slug) => keys.pendingApprovals(slug))];
    if (indexKeys.length > 0) await admin.del(...indexKeys);
    await admin.hdel(keys.cursors, ...slugs.map(boardIndexCursorName));
  }

  it("builds each project's board once from what the store holds, then keeps it from the writes", async () => {
    const { store, prefix } = redisStore();
    const admin = new Redis(redis.url);
    try {
      const current = (rig = await startRig({ store }));
      expect((await current.engine.runCycle()).ok).toBe(true);
      await dropIndexes(admin, prefix, current.slugs);
      expect((await storedBoards(store, current.slugs)).entries).toEqual([]);

      expect((await current.engine.runCycle()).ok).toBe(true);
      await expectBoardsOfTruth(current);
      await expectApprovalsOfTruth(current);
      expect(await store.getCursors(current.slugs.map(boardIndexCursorName))).toEqual(current.slugs.map(() => "1"));
      // A rebuild is not news.
      expect(await current.takeAnswerEvents()).toEqual([]);

      for (const slug of current.slugs) current.sim.world.triggerPipeline(slug);
      current.sim.world.advance(HOUR_MS);
      expect((await current.engine.runCycle()).ok).toBe(true);
      await expectBoardsOfTruth(current);
    } finally {
      admin.disconnect();
    }
  });

  it("keeps a board entry on its latest run when the documents of its runs are removed (retention), and updates it from there", async () => {
    const { store, prefix } = redisStore();
    const admin = new Redis(redis.url);
    try {
      const current = (rig = await startRig({ store }));
      expect((await current.engine.runCycle()).ok).toBe(true);
      const before = await storedBoards(store, current.slugs);
      // Remove every stored pipeline and workflow document, as a retention past the whole window would.
      const documents = [...(await admin.keys(`${prefix}*:pipeline:*`)), ...(await admin.keys(`${prefix}*:workflow:*`)), ...(await admin.keys(`${prefix}*:workflows-of:*`))];
      expect(documents.length).toBeGreaterThan(0);
      await admin.del(...documents);
      expect(await storedBoards(store, current.slugs)).toEqual(before);

      const [slug] = current.slugs as [string];
      const [tile] = before.entries.filter((entry) => entry.projectSlug === slug);
      if (tile === undefined) throw new Error("no board entry to follow");
      const nextPipeline = pipeline(9000, new Date(NOW + HOUR_MS).toISOString(), { project: slug, branch: tile.branch });
      const next: Workflow = {
        ...tile.latest,
        id: "00000000-0000-4000-8000-00000000beef",
        pipeline_id: nextPipeline.id,
        pipeline_number: nextPipeline.number,
        status: "failed",
        created_at: nextPipeline.created_at,
        stopped_at: new Date(NOW + 2 * HOUR_MS).toISOString(),
      };
      await commitAsSync(current.writer, slug, { pipelines: [nextPipeline], workflows: [next] });
      const [entry] = (await store.getBoards([{ projectSlug: slug, branch: tile.branch }]))[0]?.filter(({ workflowName }) => workflowName === tile.workflowName) ?? [];
      expect(entry === undefined ? undefined : boardEntryOfIndex(entry)).toEqual({
        ...tile,
        latest: next,
        lastFinished: next,
        failingSince: tile.lastFinished?.status === "failed" || tile.lastFinished?.status === "error" ? tile.failingSince : next.stopped_at,
      });
    } finally {
      admin.disconnect();
    }
  });
});
