import { setImmediate as tick } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Pipeline, TestResult, Workflow, WorkflowJob } from "../../src/circleci/index.js";
import { WriteFencedError } from "../../src/store/errors.js";
import type { ChangeEvent } from "../../src/store/events.js";
import { MemoryEventBus } from "../../src/store/events.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import type { JobRecord } from "../../src/store/store.js";
import { tags } from "../../src/store/tags.js";
import { StoreWriter, WriteConflictError } from "../../src/writer/index.js";
import type { FetchedTrees } from "../../src/writer/index.js";
import { storedForm } from "../../src/store/codec.js";
import { PROJECT, at, idOf, job, pipeline as pipelineAt, workflow as workflowAt } from "../store/fixtures.js";
import { interceptWrites, meddleOnce } from "../sync/harness.js";

const p1 = pipelineAt(1, at(1));
const running = (workflow: Workflow): Workflow => ({ ...workflow, status: "running" });
const w1 = running(workflowAt(10, p1.id, at(1)));

/** A bus that records what it carried, or fails while `down`. */
function recordingBus() {
  const carried: ChangeEvent[][] = [];
  return {
    carried,
    down: false,
    async publish(events: readonly ChangeEvent[]) {
      if (this.down) throw new Error("bus down");
      carried.push([...events]);
    },
  };
}

/** A writer over an embedded store, announcing to a recording bus. */
function memoryWriter() {
  const store = new MemoryStore();
  const bus = recordingBus();
  return { store, bus, writer: new StoreWriter({ store, bus }) };
}

/** Job 5 of the project, in this status; enough of a record for the writer's rules. */
function jobRecord(status: string, extra: { steps?: JobRecord["steps"]; tests?: TestResult[]; stoppedAt?: string } = {}): JobRecord {
  const { stoppedAt, ...rest } = extra;
  return { projectSlug: PROJECT, number: 5, details: { status, ...(stoppedAt === undefined ? {} : { stopped_at: stoppedAt }) }, ...rest } as JobRecord;
}

function testResult(name: string, result: string): TestResult {
  return { name, result, classname: "api.SessionTest", file: "test/session.test.ts", message: result === "failure" ? "expected true" : null, run_time: 0.25, source: "vitest" };
}

function trees(documents: Partial<FetchedTrees>): FetchedTrees {
  return { projectSlug: PROJECT, pipelines: [], workflows: [], jobLists: new Map(), jobRecords: [], active: { add: [], remove: [] }, announce: true, ...documents };
}

describe("a commit's announcements", () => {
  it("are published only after the write, exactly as changes, and nothing stays staged", async () => {
    const store = new MemoryStore();
    const bus = new MemoryEventBus();
    const writer = new StoreWriter({ store, bus });
    const seen: (string | undefined)[] = [];
    // A subscriber reads what it was told about: the store must already hold it.
    await bus.subscribe(async (event) => {
      if (event.type === "pipeline.created") seen.push((await store.getPipelines([event.pipeline.id]))[0]?.id);
    });
    const first = await writer.forSync(undefined).commitPipelineTrees(trees({ pipelines: [p1], workflows: [w1], jobLists: new Map([[w1.id, [job(1, "queued")]]]) }));
    expect(first).toStrictEqual({ pipelines: 1, workflows: 1, jobs: 1, jobRecords: 0, tests: 0 });
    await tick();
    expect(seen).toEqual([p1.id]);
    expect(await store.listStagedEvents()).toEqual([]);
    // The same fetch again changes nothing and announces nothing.
    const events: string[] = [];
    await bus.subscribe((event) => void events.push(event.type));
    expect(await writer.forSync(undefined).commitPipelineTrees(trees({ pipelines: [p1], workflows: [w1], jobLists: new Map([[w1.id, [job(1, "queued")]]]) }))).toStrictEqual({
      pipelines: 0,
      workflows: 0,
      jobs: 0,
      jobRecords: 0,
      tests: 0,
    });
    await tick();
    expect(events).toEqual([]);
  });

  it("stay staged when the publish fails after the write, for publishStaged to send", async () => {
    const { store, bus, writer } = memoryWriter();
    bus.down = true;
    await expect(writer.forSync(undefined).commitPipelineTrees(trees({ pipelines: [p1] }))).rejects.toThrow("bus down");
    expect(await store.getPipelines([p1.id])).toEqual([p1]);
    expect(await writer.publishStaged(10_000)).toBe(0);

    bus.down = false;
    expect(await writer.publishStaged(0)).toBe(1);
    expect(bus.carried).toEqual([[{ type: "pipeline.created", projectSlug: PROJECT, pipeline: p1 }]]);
    expect(await store.listStagedEvents()).toEqual([]);
  });

  it("are neither staged nor published when the write is refused", async () => {
    const { store, bus, writer } = memoryWriter();
    await writer.forSync(7).putSyncSummary({ running: true, cycles: 0 });
    const refused = await writer.forSync(6).commitPipelineTrees(trees({ pipelines: [p1] })).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WriteFencedError);
    expect(await store.getPipelines([p1.id])).toEqual([undefined]);
    expect(await store.listStagedEvents()).toEqual([]);
    expect(bus.carried).toEqual([]);
    expect(writer.stats.refused).toStrictEqual({ fence: 1, conflict: 0 });
  });

  it("are none while the project's first backfill runs, though the documents are written", async () => {
    const bus = recordingBus();
    const store = new MemoryStore();
    await new StoreWriter({ store, bus }).forSync(undefined).commitPipelineTrees(trees({ pipelines: [p1], announce: false }));
    expect(await store.getPipelines([p1.id])).toEqual([p1]);
    expect(bus.carried).toEqual([]);
  });
});

describe("publishStaged", () => {
  it("sends batches of every project oldest first, and leaves those younger than the minimum age to their writer", async () => {
    const { store, bus, writer } = memoryWriter();
    bus.down = true;
    const other = pipelineAt(2, at(2), { project: "gh/acme/other" });
    await writer.forSync(undefined).commitPipelineTrees(trees({ pipelines: [p1] })).catch(() => undefined);
    // Staged a few milliseconds apart, so that their ages differ.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await writer.forSync(undefined).commitPipelineTrees(trees({ projectSlug: "gh/acme/other", pipelines: [other] })).catch(() => undefined);
    bus.down = false;
    const [older, newer] = await store.listStagedEvents();
    expect(await writer.publishStaged(0, Number(newer?.batchId.split("-")[0]) - 1)).toBe(1);
    expect(bus.carried).toEqual([older?.events]);
    expect(await writer.publishStaged(0)).toBe(1);
    expect(bus.carried).toEqual([older?.events, newer?.events]);
    expect(await store.listStagedEvents()).toEqual([]);
  });

  it("stops at a failing publish with the rest still staged", async () => {
    const { store, bus, writer } = memoryWriter();
    bus.down = true;
    await writer.forSync(undefined).commitPipelineTrees(trees({ pipelines: [p1] })).catch(() => undefined);
    await expect(writer.publishStaged(0)).rejects.toThrow("bus down");
    expect(await store.listStagedEvents()).toHaveLength(1);
  });
});

describe("a write that finds the store changed since it read it", () => {
  it("reads again and merges again: a terminal state written meanwhile stays, and only what changes is announced", async () => {
    const store = new MemoryStore();
    const bus = recordingBus();
    const other = new StoreWriter({ store, bus });
    await other.forSync(undefined).commitPipelineTrees(trees({ pipelines: [p1], workflows: [w1], jobLists: new Map([[w1.id, [job(1, "queued")]]]), announce: false }));
    const writer = new StoreWriter({
      store: meddleOnce(store, () => other.completeJob(w1.id, { id: idOf(1), status: "success", stopped_at: at(3) })),
      bus,
    });
    // The sync read the job as queued, and fetched it running.
    const counts = await writer.forSync(undefined).commitPipelineTrees(trees({ workflows: [w1], jobLists: new Map([[w1.id, [job(1, "running")]]]) }));
    expect(counts.jobs).toBe(0);
    expect((await store.getJobs([idOf(1)]))[0]).toMatchObject({ status: "success", stopped_at: at(3) });
    expect(bus.carried.flat().map((event) => event.type === "job.status_changed" && `${event.previousStatus} -> ${event.job.status}`)).toEqual(["queued -> success"]);
    expect(writer.stats.refused.conflict).toBe(1);
  });

  it("gives up after the attempts allowed, having written nothing", async () => {
    const store = new MemoryStore();
    const bus = recordingBus();
    const other = new StoreWriter({ store, bus });
    await other.forSync(undefined).commitPipelineTrees(trees({ pipelines: [p1], announce: false }));
    let round = 0;
    const busy = interceptWrites(store, async () => {
      round += 1;
      await other.forSync(undefined).commitPipelineTrees(trees({ pipelines: [{ ...p1, number: 100 + round }], announce: false }));
    });
    const writer = new StoreWriter({ store: busy, bus, maxAttempts: 3 });
    const failure = await writer.forSync(undefined).commitPipelineTrees(trees({ pipelines: [{ ...p1, state: "errored" }] })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WriteConflictError);
    expect(failure).toMatchObject({ code: "STORE_WRITE_CONFLICT", attempts: 3 });
    expect((await store.getPipelines([p1.id]))[0]?.state).toBe(p1.state);
    expect(await store.listStagedEvents()).toEqual([]);
    expect(bus.carried).toEqual([]);
  });
});

describe("webhook news", () => {
  it("patches one job's document and announces it; a replay changes nothing", async () => {
    const { store, bus, writer } = memoryWriter();
    const jobs = [job(1, "running"), job(2, "queued")];
    await writer.forSync(undefined).commitPipelineTrees(trees({ pipelines: [p1], workflows: [w1], jobLists: new Map([[w1.id, jobs]]), announce: false }));
    const heard: string[][] = [];
    store.invalidations.subscribe((changed) => void heard.push([...changed]));
    const news = { id: idOf(2), status: "failed", started_at: at(2), stopped_at: at(3) };
    const events = await writer.completeJob(w1.id, news);
    const revised = { ...job(2, "failed"), started_at: at(2), stopped_at: at(3) };
    expect(events).toEqual([{ type: "job.status_changed", projectSlug: PROJECT, workflowId: w1.id, job: revised, previousStatus: "queued" }]);
    expect(await store.getJobsOf([w1.id])).toEqual([[jobs[0], revised]]);
    // Only that job's document changed: its workflow's list is as it was.
    expect(heard).toEqual([[tags.job(idOf(2))]]);
    expect(await writer.completeJob(w1.id, news)).toEqual([]);
    expect(await writer.completeJob(w1.id, { id: idOf(99), status: "success" })).toEqual([]);
    expect(bus.carried).toEqual([events]);
  });
});

describe("the read path's write-back", () => {
  const settled: Workflow = { ...workflowAt(20, p1.id, at(1)), status: "success", stopped_at: at(2) };
  const jobs: WorkflowJob[] = [job(5), job(6)];

  it("inserts a settled subtree where the store holds nothing, children with it, and never replaces what is stored", async () => {
    const store = new MemoryStore();
    const writer = new StoreWriter({ store, bus: recordingBus() });
    // What the sync wrote of this pipeline: one workflow, with a job a later fetch sees otherwise.
    await writer.forSync(undefined).commitPipelineTrees(trees({ workflows: [settled], jobLists: new Map([[settled.id, [job(5, "failed")]]]), announce: false }));
    const another: Workflow = { ...workflowAt(21, p1.id, at(1)), status: "failed", stopped_at: at(2) };
    const errored: Pipeline = { ...p1, state: "created" };
    expect(await writer.storeSettledSubtree({ pipeline: errored, workflows: [{ workflow: { ...settled, name: "renamed" }, jobs }, { workflow: another, jobs: [job(7)] }] })).toBe(true);
    expect(await store.getWorkflowsOf([p1.id])).toEqual([[settled, another]]);
    expect(await store.getJobsOf([settled.id, another.id])).toEqual([[job(5, "failed")], [job(7)]]);
    expect(await store.getPipelines([p1.id])).toEqual([errored]);
  });

  it("leaves live subtrees and those the sync will still read to the sync", async () => {
    const store = new MemoryStore();
    const writer = new StoreWriter({ store, bus: recordingBus(), syncLookbackMs: 60 * 60_000 });
    expect(await writer.storeSettledSubtree({ pipeline: p1, workflows: [{ workflow: w1, jobs }] })).toBe(false);
    // A pipeline without workflows is settled only once errored.
    expect(await writer.storeSettledSubtree({ pipeline: p1, workflows: [] })).toBe(false);
    await writer.forSync(undefined).setCursor(`pipelines:${PROJECT}`, at(30));
    expect(await writer.storeSettledSubtree({ pipeline: { ...p1, created_at: at(-31) }, workflows: [] })).toBe(false);
    expect(await writer.storeSettledSubtree({ pipeline: { ...p1, created_at: at(-31), state: "errored" }, workflows: [] })).toBe(true);
    expect(await writer.storeSettledSubtree({ pipeline: { ...pipelineAt(2, at(-29)), state: "errored" }, workflows: [] })).toBe(false);
    expect(await store.getPipelines([p1.id, idOf(2)])).toEqual([{ ...p1, created_at: at(-31), state: "errored" }, undefined]);
  });

  it("stores a job record once it is final, where the store holds none", async () => {
    const store = new MemoryStore();
    const writer = new StoreWriter({ store, bus: recordingBus() });
    const record = (status: string, steps?: JobRecord["steps"]): JobRecord =>
      ({ projectSlug: PROJECT, number: 5, details: { status }, ...(steps === undefined ? {} : { steps }) }) as JobRecord;
    expect(await writer.storeFinalJobRecord(record("running"))).toBe(false);
    expect(await writer.storeFinalJobRecord(record("success"))).toBe(false);
    expect(await writer.storeFinalJobRecord(record("success", []))).toBe(true);
    expect(await writer.storeFinalJobRecord(record("failed", []))).toBe(true);
    expect(await store.getJobRecords([{ projectSlug: PROJECT, number: 5 }])).toEqual([record("success", [])]);
  });

  it("adds fetched test results to a final stored record that holds none, and nothing anywhere else", async () => {
    const store = new MemoryStore();
    const writer = new StoreWriter({ store, bus: recordingBus() });
    const key = { projectSlug: PROJECT, number: 5 };
    const tests = [testResult("logs in", "failure")];
    expect(await writer.storeTestResults(key, tests)).toBe(false);
    expect(await store.getJobRecords([key])).toEqual([undefined]);
    await writer.forSync(undefined).commitPipelineTrees(trees({ jobRecords: [jobRecord("running")] }));
    expect(await writer.storeTestResults(key, tests)).toBe(false);
    await writer.forSync(undefined).commitPipelineTrees(trees({ jobRecords: [jobRecord("failed", { steps: [] })] }));
    expect(await writer.storeTestResults(key, tests)).toBe(true);
    expect(await writer.storeTestResults(key, [])).toBe(false);
    expect(await store.getJobRecords([key])).toEqual([storedForm("jobRecord", jobRecord("failed", { steps: [], tests }))]);
  });
});

describe("test results in job records", () => {
  it("are kept across re-reads of the same run, counted once when gained, and dropped with a run the record moved past", async () => {
    const { store, writer } = memoryWriter();
    const sync = writer.forSync(undefined);
    const key = { projectSlug: PROJECT, number: 5 };
    const tests = [testResult("logs in", "failure")];
    const failed = jobRecord("failed", { steps: [], stoppedAt: at(2) });
    expect(await sync.commitPipelineTrees(trees({ jobRecords: [failed] }))).toMatchObject({ jobRecords: 1, tests: 0 });
    // Only the results are new: a record of the tests stream, not of job_details.
    expect(await sync.commitPipelineTrees(trees({ jobRecords: [{ ...failed, tests }] }))).toMatchObject({ jobRecords: 0, tests: 1 });
    // The details read again without them (a rerun carried the job into a new workflow): they stay.
    expect(await sync.commitPipelineTrees(trees({ jobRecords: [failed] }))).toMatchObject({ jobRecords: 0, tests: 0 });
    expect(await store.getJobRecords([key])).toEqual([storedForm("jobRecord", { ...failed, tests })]);
    // Rerun in place, it stopped later: the old run's results go with it.
    const rerun = jobRecord("success", { steps: [], stoppedAt: at(9) });
    expect(await sync.commitPipelineTrees(trees({ jobRecords: [rerun] }))).toMatchObject({ jobRecords: 1, tests: 0 });
    expect(await store.getJobRecords([key])).toEqual([rerun]);
  });
});

describe("idempotency records", () => {
  const claim = (claimant: string) => ({ action: "triggerPipeline", fingerprint: "f", claimant, claimedAt: Date.now() });

  it("are claimed by exactly one of concurrent claimants; the others get that claim back", async () => {
    const { store, writer } = memoryWriter();
    const claims = await Promise.all(["a", "b", "c"].map((claimant) => writer.claimAction("k", claim(claimant), 60_000)));
    const won = claims.filter((held) => held === undefined);
    expect(won).toHaveLength(1);
    const winner = ["a", "b", "c"][claims.indexOf(undefined)];
    for (const held of claims.filter((other) => other !== undefined)) expect(held?.claimant).toBe(winner);
    expect(JSON.parse((await store.getDocumentTexts([{ kind: "actionRecord", key: "k" }]))[0] as string)).toMatchObject({ claimant: winner });
  });

  it("are settled only by their claimant, once; a released record frees the key for the next claim", async () => {
    const { writer } = memoryWriter();
    expect(await writer.claimAction("k", claim("a"), 60_000)).toBeUndefined();
    expect(await writer.settleAction("k", { ...claim("b"), outcome: { kind: "released" } }, 60_000)).toBe(false);
    const released = { ...claim("a"), outcome: { kind: "released" as const } };
    expect(await writer.settleAction("k", released, 60_000)).toBe(true);
    expect(await writer.settleAction("k", { ...released, outcome: { kind: "unknown", message: "?" } }, 60_000)).toBe(false);
    expect(await writer.claimAction("k", claim("b"), 60_000)).toBeUndefined();
    const done = { ...claim("b"), outcome: { kind: "done" as const, result: { type: "pipeline" as const, id: "p" } } };
    expect(await writer.settleAction("k", done, 60_000)).toBe(true);
    expect(await writer.claimAction("k", claim("c"), 60_000)).toMatchObject({ claimant: "b", outcome: done.outcome });
  });
});
