import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Workflow, WorkflowJob } from "../../src/circleci/index.js";
import { workflowJobSchema, workflowSchema } from "../../src/circleci/schemas.js";
import { MemoryEventBus } from "../../src/store/events.js";
import { RedisStore } from "../../src/store/redis-store.js";
import type { WriteBatch } from "../../src/store/writes.js";
import { isTerminalJobStatus } from "../../src/sync/live.js";
import { StoreWriter } from "../../src/writer/index.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { pipeline } from "../store/fixtures.js";
import { commitAsSync } from "../support/writes.js";
import { BACKFILL_DAYS, DAY_MS, eventKey, expectedEventKeys, interceptWrites, meddleOnce, NOW, startRig, statusSnapshot } from "../sync/harness.js";
import type { SyncRig } from "../sync/harness.js";

/**
 * Writers racing on one Redis: the sync, webhooks and the read path each read, merge and write on the condition
 * that what they read is still there, so none moves an entity back and the events are exactly the changes made.
 */
let redis: TestRedis;
let prefixes = 0;
let rig: SyncRig | undefined;
/** Runs once before the next write that `when` picks, then is gone. */
let before: { when: (batch: WriteBatch) => boolean; run: () => Promise<void> } | undefined;

beforeAll(async () => {
  redis = await startTestRedis();
});

afterEach(async () => {
  await rig?.close();
  rig = undefined;
  before = undefined;
});

afterAll(async () => {
  await redis?.stop();
});

function racingStore(): RedisStore {
  prefixes += 1;
  return new RedisStore({ url: redis.url, prefix: `races-${prefixes}:` });
}

async function racingRig(): Promise<SyncRig> {
  const store = interceptWrites(racingStore(), async (batch) => {
    const hook = before;
    if (hook === undefined || !hook.when(batch)) return;
    before = undefined;
    await hook.run();
  });
  return startRig({ store, simulator: { world: { seed: 19, now: NOW, projects: 1, pipelinesPerProject: 8, historyDays: 2 } } });
}

/** A job the store holds live that CircleCI now shows in another live status, and the workflow listing it. */
function jobMovingOn(current: SyncRig): { job: WorkflowJob; workflowId: string; before: ReturnType<typeof statusSnapshot> } {
  const since = NOW - BACKFILL_DAYS * DAY_MS;
  const snapshot = statusSnapshot(current.sim, current.slugs, since);
  for (let step = 0; step < 60; step++) {
    current.sim.world.advance(20_000);
    for (const [workflowId, jobs] of current.sim.world.state.jobsByWorkflow) {
      for (const job of jobs) {
        const was = snapshot.jobs.get(job.id);
        if (was !== undefined && was !== job.status && !isTerminalJobStatus(was) && !isTerminalJobStatus(job.status)) {
          return { job: workflowJobSchema.parse(job), workflowId, before: snapshot };
        }
      }
    }
  }
  throw new Error("no live job moved to another live status");
}

describe("a webhook's terminal status and a sync commit that read the job as live", () => {
  it("meet in the store as the terminal status, and each change is announced exactly once", async () => {
    const current = (rig = await racingRig());
    expect((await current.engine.runCycle()).ok).toBe(true);
    await current.takeEvents();
    const { job, workflowId, before: snapshot } = jobMovingOn(current);
    const [stored] = await current.store.getJobs([job.id]);
    if (stored === undefined) throw new Error("the store does not hold the job");
    const expected = expectedEventKeys(snapshot, statusSnapshot(current.sim, current.slugs, NOW - BACKFILL_DAYS * DAY_MS));
    const moved = `job ${job.id} ${stored.status} -> ${job.status}`;
    expect(expected).toContain(moved);

    // CircleCI's webhook tells the job finished while the sync, which read it live, is committing its new live status.
    const stoppedAt = new Date(current.sim.world.state.now).toISOString();
    before = {
      when: (batch) => batch.writes.some((write) => write.kind === "job" && write.job.id === job.id),
      run: async () => {
        await current.writer.completeJob(workflowId, { id: job.id, status: "success", started_at: job.started_at, stopped_at: stoppedAt });
      },
    };
    expect((await current.engine.runCycle()).ok).toBe(true);
    expect(before).toBeUndefined();

    expect((await current.store.getJobs([job.id]))[0]).toMatchObject({ status: "success", stopped_at: stoppedAt });
    const heard = (await current.takeEvents()).map(eventKey).sort();
    expect(heard).toEqual(expected.map((key) => (key === moved ? `job ${job.id} ${stored.status} -> success` : key)).sort());
    expect(current.writer.stats.refused.conflict).toBeGreaterThanOrEqual(1);

    // The next cycle still sees the job live upstream: it stays finished, and nothing is announced for it.
    expect((await current.engine.runCycle()).ok).toBe(true);
    expect((await current.store.getJobs([job.id]))[0]).toMatchObject({ status: "success" });
    expect((await current.takeEvents()).filter((event) => event.type === "job.status_changed" && event.job.id === job.id)).toEqual([]);
  });
});

describe("another writer that stored an end before the sync saw it", () => {
  /** A workflow the store holds as running, once CircleCI shows it finished. */
  function workflowFinishing(current: SyncRig): Workflow {
    const running = [...current.sim.world.state.workflows.values()].filter((workflow) => workflow.status === "running").map((workflow) => workflow.id);
    for (let step = 0; step < 120; step++) {
      current.sim.world.advance(30_000);
      const done = running.map((id) => current.sim.world.state.workflows.get(id)).find((workflow) => workflow !== undefined && workflow.status !== "running" && workflow.status !== "failing" && workflow.status !== "on_hold");
      if (done !== undefined) return workflowSchema.parse(done);
    }
    throw new Error("no running workflow finished");
  }

  it("a workflow-completed delivery: the next cycle still brings the workflow's jobs and their records up to date", async () => {
    const current = (rig = await racingRig());
    expect((await current.engine.runCycle()).ok).toBe(true);
    const finished = workflowFinishing(current);
    expect((await current.writer.completeWorkflow(finished)).filter((event) => event.type === "workflow.status_changed")).toHaveLength(1);
    expect((await current.engine.runCycle()).ok).toBe(true);
    expect(await current.differences()).toEqual([]);
  });

  it("the read path's subtree stored while the sync's first backfill commits what it read earlier: the next cycle converges", async () => {
    const current = (rig = await racingRig());
    const { state } = current.sim.world;
    before = {
      when: (batch) => batch.writes.some((write) => write.kind === "jobList"),
      run: async () => {
        // The backfill read its batch; CircleCI moves on, and a dashboard reads a workflow's end and stores it.
        const finished = workflowFinishing(current);
        const workflows = (state.workflowsByPipeline.get(finished.pipeline_id) ?? []).map((id) => ({
          workflow: workflowSchema.parse(state.workflows.get(id)),
          jobs: workflowJobSchema.array().parse(state.jobsByWorkflow.get(id)),
        }));
        // Its pipeline is in the batch the backfill is about to commit, not yet stored: the read path leaves the
        // workflow to the sync rather than store it where retention could not find it.
        expect(await current.writer.storeSettledSubtree({ workflows: workflows.filter(({ workflow }) => workflow.id === finished.id) })).toBe(false);
      },
    };
    expect((await current.engine.runCycle()).ok).toBe(true);
    expect(before).toBeUndefined();
    expect((await current.engine.runCycle()).ok).toBe(true);
    expect(await current.differences()).toEqual([]);
  });
});

describe("two webhooks for two jobs of one workflow at once", () => {
  it("each patch its own job: neither is lost", async () => {
    const current = (rig = await racingRig());
    expect((await current.engine.runCycle()).ok).toBe(true);
    await current.takeEvents();
    const lists = await current.store.getJobsOf([...current.sim.world.state.workflows.keys()]);
    const index = lists.findIndex((jobs) => (jobs ?? []).filter((job) => !isTerminalJobStatus(job.status)).length >= 2);
    const workflowId = [...current.sim.world.state.workflows.keys()][index] as string;
    const [first, second] = (lists[index] ?? []).filter((job) => !isTerminalJobStatus(job.status)) as [WorkflowJob, WorkflowJob];
    const stoppedAt = new Date(current.sim.world.state.now).toISOString();

    const events = await Promise.all([
      current.writer.completeJob(workflowId, { id: first.id, status: "success", stopped_at: stoppedAt }),
      current.writer.completeJob(workflowId, { id: second.id, status: "failed", stopped_at: stoppedAt }),
    ]);
    expect(events.map((announced) => announced.length)).toEqual([1, 1]);
    expect((await current.store.getJobs([first.id, second.id])).map((job) => job?.status)).toEqual(["success", "failed"]);
    expect((await current.store.jobIdsOf([workflowId]))[0]).toEqual(lists[index]?.map((job) => job.id));
  });
});

describe("the read path's write-back and a sync commit of the same subtree", () => {
  it("leaves what the sync wrote as it is", async () => {
    const store = racingStore();
    const bus = new MemoryEventBus();
    const writer = new StoreWriter({ store, bus });
    const workflow: Workflow = workflowSchema.parse({
      id: "00000000-0000-4000-8000-000000000020",
      name: "build",
      pipeline_id: "00000000-0000-4000-8000-000000000001",
      pipeline_number: 1,
      project_slug: "gh/acme/rocket",
      status: "success",
      started_by: "00000000-0000-4000-8000-000000000009",
      created_at: "2026-01-01T00:00:00.000Z",
      stopped_at: "2026-01-01T00:10:00.000Z",
    });
    const synced = { ...workflow, name: "build-as-synced" };
    // The workflow's pipeline is stored (a workflow is written back only under its pipeline).
    await commitAsSync(writer, workflow.project_slug, { pipelines: [pipeline(1, workflow.created_at)], workflows: [] });
    // The sync commits the workflow between the write-back's read and its write.
    const racing = new StoreWriter({ store: meddleOnce(store, () => commitAsSync(writer, workflow.project_slug, { workflows: [synced], jobLists: new Map([[workflow.id, []]]) })), bus });
    expect(await racing.storeSettledSubtree({ workflows: [{ workflow, jobs: [] }] })).toBe(true);
    expect(await store.getWorkflows([workflow.id])).toEqual([synced]);
    expect(racing.stats.refused.conflict).toBe(1);
    await Promise.all([store.close(), bus.close()]);
  });
});
