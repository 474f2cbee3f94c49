import { afterEach, describe, expect, it } from "vitest";
import type { Pipeline } from "../../src/circleci/index.js";
import { workflowJobSchema } from "../../src/circleci/schemas.js";
import { MemoryEventBus } from "../../src/store/events.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import type { Store, StoredPipelineTree } from "../../src/store/store.js";
import type { StoreWrite } from "../../src/store/writes.js";
import { isPipelineActive } from "../../src/sync/index.js";
import { removeExpiredPipelines, splitExpired } from "../../src/sync/retention.js";
import { retentionCutoff } from "../../src/sync/window.js";
import { StoreWriter } from "../../src/writer/index.js";
import { truthPipelines, truthWorkflows } from "../support/answers-truth.js";
import { PROJECT, at, idOf, job, pipeline, workflow, write } from "../store/fixtures.js";
import { BACKFILL_DAYS, DAY_MS, holdPipelineBehindWindow, interceptWrites, NOW, startRig } from "./harness.js";
import type { SyncRig } from "./harness.js";
import { storeKinds } from "./stores.js";

describe("the retention cutoff and chunks", () => {
  it("cuts off whole days before now", () => {
    expect(retentionCutoff(NOW, 30)).toBe(NOW - 30 * DAY_MS);
    expect(retentionCutoff(NOW, 0.5)).toBe(NOW - DAY_MS / 2);
  });

  it("keeps in a chunk what the active set or an approval holds, and any tree with work that can still move", () => {
    const tree = (n: number, workflowStatus: string | undefined, jobStatus?: string): StoredPipelineTree => ({
      id: idOf(n),
      pipeline: pipeline(n, at(n)),
      workflows: workflowStatus === undefined ? [] : [{ ...workflow(100 + n, idOf(n), at(n)), status: workflowStatus }],
      jobs: jobStatus === undefined ? [] : [job(200 + n, jobStatus)],
    });
    const trees = [tree(1, "success"), tree(2, "on_hold"), tree(3, "failed", "running"), tree(4, "failed", "blocked"), tree(5, undefined), tree(6, "success"), tree(7, "running")];
    const { expired, live } = splitExpired(trees, new Set([idOf(6)]));
    expect(expired.map(({ id }) => id)).toStrictEqual([idOf(1), idOf(4), idOf(5)]);
    expect(live).toBe(4);
  });
});

describe("removeExpiredPipelines", () => {
  /** A project's pipelines: minutes 1..n old ones, and a new one at minute 1000. */
  async function seed(store: Store, n: number, live: ReadonlySet<number>): Promise<void> {
    const writes: StoreWrite[] = [];
    for (let i = 1; i <= n; i++) {
      const status = live.has(i) ? "running" : "success";
      const run = { ...workflow(100 + i, idOf(i), at(i)), status };
      writes.push({ kind: "job", projectSlug: PROJECT, job: workflowJobSchema.parse({ ...job(200 + i), status: live.has(i) ? "running" : "success" }) });
      writes.push({ kind: "jobList", projectSlug: PROJECT, workflowId: run.id, jobIds: [idOf(200 + i)] });
      writes.push({ kind: "workflow", projectSlug: PROJECT, workflow: run });
      writes.push({ kind: "pipeline", projectSlug: PROJECT, pipeline: pipeline(i, at(i)) });
    }
    writes.push({ kind: "pipeline", projectSlug: PROJECT, pipeline: pipeline(1000, at(1000)) });
    await write(store, writes);
  }

  it("removes the finished ones before the cutoff chunk by chunk, past live ones at the front, in writes fenced by the leader's epoch", async () => {
    const store = new MemoryStore();
    const batches: { epoch?: number; kinds: string[] }[] = [];
    const observed = interceptWrites(store, (batch) => void batches.push({ epoch: batch.epoch, kinds: [...new Set(batch.writes.map((w) => w.kind))] }));
    // 1 is live, 2 is held by the active set, 3 by an approval on hold: all at the front of the range.
    await seed(store, 9, new Set([1]));
    await write(store, [
      { kind: "active", add: [{ id: idOf(2), projectSlug: PROJECT }] },
      { kind: "pendingApprovals", projectSlug: PROJECT, put: [{ projectSlug: PROJECT, jobId: idOf(203), workflowId: idOf(103), pipelineId: idOf(3), waitingSince: at(3) }] },
    ]);
    const writer = new StoreWriter({ store: observed, bus: new MemoryEventBus() }).forSync(7);
    const removed = await removeExpiredPipelines({
      store: observed,
      writer,
      projectSlug: PROJECT,
      cutoff: Date.parse(at(9)),
      active: await store.listActivePipelines(),
      chunk: 2,
      checkpoint: () => {},
    });
    // 4..8 go; 9 is at the cutoff (exclusive), 1000 after it.
    expect(removed).toBe(5);
    const { ids } = await store.listPipelineIds(PROJECT, { first: 100 });
    expect(ids).toStrictEqual([idOf(1000), idOf(9), idOf(3), idOf(2), idOf(1)]);
    expect(await store.getWorkflows([4, 5, 6, 7, 8].map((n) => idOf(100 + n)))).toStrictEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(await store.getJobs([idOf(201), idOf(204)])).toMatchObject([{ id: idOf(201) }, undefined]);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches).toStrictEqual(batches.map(() => ({ epoch: 7, kinds: ["removePipeline"] })));

    const again = { store, writer, projectSlug: PROJECT, cutoff: Date.parse(at(9)), active: await store.listActivePipelines(), chunk: 2, checkpoint: () => {} };
    expect(await removeExpiredPipelines(again)).toBe(0);
  });

  it("removes a board entry whose latest run goes, and keeps one whose latest stays with the figures it stored", async () => {
    const store = new MemoryStore();
    const old = { ...workflow(101, idOf(1), at(1)), name: "build" };
    const oldDeploy = { ...workflow(111, idOf(1), at(1)), name: "deploy", status: "failed" };
    const newDeploy = { ...workflow(112, idOf(2), at(50)), name: "deploy", status: "running" };
    const writer = new StoreWriter({ store, bus: new MemoryEventBus() });
    const sync = writer.forSync(undefined);
    await sync.buildBoardIndex(PROJECT);
    await sync.commitPipelineTrees({
      projectSlug: PROJECT,
      pipelines: [pipeline(1, at(1)), pipeline(2, at(50))],
      workflows: [old, oldDeploy, newDeploy],
      jobLists: new Map([old, oldDeploy, newDeploy].map((run) => [run.id, []])),
      jobRecords: [],
      active: { add: [{ id: idOf(2), projectSlug: PROJECT }], remove: [] },
      announce: false,
    });
    const [before] = await store.getBoards([{ projectSlug: PROJECT, branch: "main" }]);
    const deploy = before?.find((entry) => entry.workflowName === "deploy");
    expect(before?.map((entry) => entry.workflowName)).toStrictEqual(["build", "deploy"]);
    expect(deploy?.lastFinished?.id).toBe(oldDeploy.id);

    expect(await removeExpiredPipelines({ store, writer: sync, projectSlug: PROJECT, cutoff: Date.parse(at(10)), active: [], checkpoint: () => {} })).toBe(1);
    expect(await store.getBoards([{ projectSlug: PROJECT, branch: "main" }])).toStrictEqual([[deploy]]);
    expect(await store.getBoardBranches([PROJECT])).toStrictEqual([["main"]]);
  });
});

describe.each(storeKinds())("retention in the sync on $name", (kind) => {
  let rig: SyncRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it("removes finished pipelines older than the window with everything under them, keeps live ones, announces nothing", async () => {
    rig = await startRig({ store: kind.create(), engine: { retentionDays: BACKFILL_DAYS } });
    const { sim, store, slugs } = rig;
    const first = await rig.engine.runCycle();
    expect(first).toMatchObject({ ok: true, removed: 0 });
    const [slug] = slugs as [string];
    const held = await holdPipelineBehindWindow(rig, slug);
    await rig.takeEvents();
    await rig.takeAnswerEvents();

    sim.world.advance(BACKFILL_DAYS * DAY_MS);
    const listed = async (): Promise<Set<string>> => new Set((await Promise.all(slugs.map((project) => store.listPipelineIds(project, { first: 1000 })))).flatMap(({ ids }) => ids));
    const stored = await listed();
    const synced = slugs.flatMap((project) => truthPipelines(sim.world, project, NOW - BACKFILL_DAYS * DAY_MS)).filter(({ id }) => stored.has(id));
    const cutoff = sim.world.state.now - BACKFILL_DAYS * DAY_MS;
    const isLive = (p: Pipeline) =>
      isPipelineActive(truthWorkflows(sim.world, p.id).map((w) => ({ status: w.status, jobStatuses: (sim.world.state.jobsByWorkflow.get(w.id) ?? []).map((j) => j.status) })));
    const kept = synced.filter((p) => Date.parse(p.created_at) >= cutoff || isLive(p));
    const gone = synced.filter((p) => !kept.includes(p));
    expect(kept.map(({ id }) => id)).toContain(held);
    expect(Date.parse(synced.find(({ id }) => id === held)?.created_at ?? "")).toBeLessThan(cutoff);
    expect(gone.length).toBeGreaterThan(0);

    const report = await rig.engine.runCycle();
    expect(report).toMatchObject({ ok: true, removed: gone.length });
    for (const project of slugs) {
      const { ids } = await store.listPipelineIds(project, { first: 1000 });
      expect(new Set(ids)).toStrictEqual(new Set(kept.filter((p) => p.project_slug === project).map(({ id }) => id)));
    }
    const goneWorkflows = gone.flatMap((p) => truthWorkflows(sim.world, p.id));
    const goneJobs = goneWorkflows.flatMap((w) => sim.world.state.jobsByWorkflow.get(w.id) ?? []);
    expect(goneJobs.length).toBeGreaterThan(0);
    expect((await store.getWorkflows(goneWorkflows.map((w) => w.id))).filter((w) => w !== undefined)).toStrictEqual([]);
    expect((await store.getJobs(goneJobs.map((j) => j.id))).filter((j) => j !== undefined)).toStrictEqual([]);
    const numbers = goneJobs.flatMap((j) => (j.job_number == null ? [] : [{ projectSlug: j.project_slug, number: j.job_number }]));
    expect((await store.getJobRecords(numbers)).filter((r) => r !== undefined)).toStrictEqual([]);
    // Every board entry left points at a run the store holds; every branch left has an entry.
    const branches = await store.getBoardBranches(slugs);
    const boards = await store.getBoards(slugs.flatMap((projectSlug, index) => (branches[index] ?? []).map((branch) => ({ projectSlug, branch }))));
    expect(boards.every((entries) => entries.length > 0)).toBe(true);
    const latest = boards.flat().map((entry) => entry.latest.id);
    expect((await store.getWorkflows(latest)).map((w) => w?.id)).toStrictEqual(latest);
    // Nothing happened upstream: subscribers hear nothing.
    expect([...(await rig.takeEvents()), ...(await rig.takeAnswerEvents())]).toStrictEqual([]);

    // A project quiet for longer than the window: its overlap is not stored again, to be removed again.
    expect(await rig.engine.runCycle()).toMatchObject({ ok: true, removed: 0 });
    expect(await listed()).toStrictEqual(new Set(kept.map(({ id }) => id)));
    expect([...(await rig.takeEvents()), ...(await rig.takeAnswerEvents())]).toStrictEqual([]);
  });

  it("also sweeps what the read path stored of a project nobody syncs", async () => {
    rig = await startRig({ store: kind.create(), engine: { retentionDays: BACKFILL_DAYS } });
    const { store, writer } = rig;
    expect((await rig.engine.runCycle()).ok).toBe(true);
    // A query named a project outside the configuration and stored a finished run of it, older than the window.
    const elsewhere = "gh/elsewhere/tool";
    const createdAt = new Date(NOW - (BACKFILL_DAYS + 1) * DAY_MS).toISOString();
    const old = { ...pipeline(900, createdAt, { project: elsewhere }), state: "created" };
    const run = { ...workflow(901, old.id, createdAt), project_slug: elsewhere, stopped_at: createdAt };
    expect(await writer.storeSettledSubtree({ pipeline: old, workflows: [{ workflow: run, jobs: [] }] })).toBe(true);
    expect(await store.listProjectKeys()).toContain(elsewhere);
    expect(await store.getPipelines([old.id])).toStrictEqual([old]);

    const report = await rig.engine.runCycle();
    expect(report.ok).toBe(true);
    expect(report.removed).toBeGreaterThanOrEqual(1);
    expect(await store.getPipelines([old.id])).toStrictEqual([undefined]);
    expect(await store.getWorkflows([run.id])).toStrictEqual([undefined]);
    expect((await store.listPipelineIds(elsewhere, { first: 10 })).ids).toStrictEqual([]);
  });
});
