import { randomUUID } from "node:crypto";
import { Redis, ReplyError } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createStore, keyLayout, LocalInvalidations, MemoryStore, RedisInvalidations, RedisStore, StoreUnavailableError } from "../../src/store/index.js";
import { startTestRedis, type TestRedis } from "../support/redis-server.js";
import { PROJECT, at, idOf, pipeline, projectOfWorkflow, worldDocuments, write, writes, writeWorldDocuments } from "./fixtures.js";
import { storeContract } from "./store-contract.js";
import { pipelineRemoval } from "../../src/writer/retention.js";

let server: TestRedis;
/** A plain client to look at what the store wrote. */
let inspector: Redis;
const opened: RedisStore[] = [];

beforeAll(async () => {
  server = await startTestRedis();
  inspector = new Redis(server.url);
  // It reconnects by itself across the restart test; its refused attempts are expected there.
  inspector.on("error", () => undefined);
});

afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  inspector.disconnect();
  await server?.stop();
});

/** A store of its own on the shared test server: a fresh prefix per call. */
function openStore(prefix = `test-${randomUUID()}:`, url = server.url): RedisStore {
  const store = new RedisStore({ url, prefix });
  opened.push(store);
  return store;
}

storeContract("RedisStore", async () => {
  const prefix = `test-${randomUUID()}:`;
  const invalidations = RedisInvalidations.connect(server.url, { prefix });
  // Resolves once the subscription is live: every write from now on reaches the listeners.
  await invalidations.barrier();
  return { store: openStore(prefix), invalidations };
});

describe("RedisStore on Redis", () => {
  const world = worldDocuments();

  async function writeWorld(store: RedisStore): Promise<void> {
    await writeWorldDocuments(store, world);
    await write(store, [
      writes.active({ add: [{ id: idOf(1), projectSlug: PROJECT }] }),
      writes.cursors(new Map([["pipelines", at(1)]])),
      writes.statuses([{ stream: "contexts", records: 1 }]),
      writes.summary({ running: false, cycles: 1 }),
    ]);
  }

  it("keeps every key under its prefix with one hash tag per project and one for what spans projects, in the documented shapes", async () => {
    const prefix = `layout-${randomUUID()}:`;
    await writeWorld(openStore(prefix));
    const keys = await inspector.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(world.pipelines.length);
    const layout = keyLayout(prefix);
    const projectTags = new Set(world.projects.map(({ slug }) => layout.projectSlot(slug)));
    expect(projectTags.size).toBe(world.projects.length);
    const tagOf = (key: string) => /^[^{]*\{([^}]*)\}:/.exec(key)?.[1];
    expect(keys.every((key) => key.startsWith(`${prefix}{`))).toBe(true);
    expect(new Set(keys.map(tagOf))).toStrictEqual(new Set([layout.shared, ...projectTags]));
    // Everything of a pipeline lives under its project's tag: one slot per project on a cluster.
    for (const pipeline of world.pipelines) {
      const slot = layout.projectSlot(pipeline.project_slug);
      expect(await inspector.exists(layout.pipeline(slot, pipeline.id))).toBe(1);
      expect(await inspector.hget(layout.owners, pipeline.id)).toBe(slot);
    }
    expect(await inspector.hgetall(layout.slots)).toStrictEqual(Object.fromEntries(world.projects.map(({ slug }) => [layout.projectSlot(slug), slug])));

    const [first] = world.pipelines;
    if (first === undefined) throw new Error("empty world");
    const slot = layout.projectSlot(first.project_slug);
    const workflow = world.workflows.find((w) => w.pipeline_id === first.id);
    const [workflowId] = [...world.jobsByWorkflow.keys()];
    if (workflow === undefined || workflowId === undefined) throw new Error("world without workflows");
    const workflowSlot = layout.projectSlot(world.workflows.find((w) => w.id === workflowId)?.project_slug ?? "");
    const types = await Promise.all(
      [
        layout.projects,
        layout.pipeline(slot, first.id),
        layout.pipelinesOf(first.project_slug),
        layout.workflowsOf(slot, first.id),
        layout.jobsOf(workflowSlot, workflowId),
        layout.contexts,
        layout.active,
        layout.cursors,
        layout.statuses,
        layout.summary,
        layout.owners,
        layout.sequence(layout.shared),
      ].map((key) => inspector.type(key)),
    );
    expect(types).toStrictEqual(["hash", "string", "zset", "zset", "list", "hash", "hash", "hash", "hash", "string", "hash", "string"]);
    expect(Number(await inspector.zscore(layout.pipelinesOf(first.project_slug), first.id))).toBe(Date.parse(first.created_at));
    expect(Number(await inspector.zscore(layout.workflowsOf(slot, first.id), workflow.id))).toBe(Date.parse(workflow.created_at));
  });

  it("removing every pipeline of a world, a chunk per round trip, leaves no key of them: not a document, list, record or directory entry", async () => {
    const prefix = `retention-${randomUUID()}:`;
    const store = openStore(prefix);
    await writeWorldDocuments(store, world);
    for (const { slug } of world.projects) {
      for (;;) {
        const before = store.roundTrips;
        const trees = await store.listPipelineTreesBefore(slug, { before: Number.MAX_SAFE_INTEGER, skip: 0, first: 5 });
        expect(store.roundTrips - before).toBe(1);
        if (trees.length === 0) break;
        await write(store, trees.map((tree) => pipelineRemoval(slug, tree)));
      }
    }
    const layout = keyLayout(prefix);
    // What spans projects stays (projects, contexts, the slot registry, the write sequence); the directory is empty, so gone.
    expect((await inspector.keys(`${prefix}*`)).sort()).toStrictEqual([layout.contexts, layout.projects, layout.sequence(layout.shared), layout.slots].sort());
  });

  it("names keys as documented, and refuses a prefix that would break the hash tags", () => {
    const layout = keyLayout("ccgw:");
    const slot = layout.projectSlot("gh/a/b");
    expect(slot).toMatch(/^p:[0-9a-f]{10}$/);
    // One project, however it is spelled: keyed by its key (GitHub and Bitbucket names in lower case).
    expect(layout.projectSlot("github/a/b")).toBe(slot);
    expect(layout.projectSlot("github/A/B")).toBe(slot);
    expect(layout.projectSlot("gh/a/c")).not.toBe(slot);
    expect(layout.pipelinesOf("github/A/b", "feature/X")).toBe(`ccgw:{${slot}}:pipelines:gh/a/b:branch:feature/X`);
    expect(layout.jobRecord({ projectSlug: "gh/A/b", number: 12 })).toBe(`ccgw:{${slot}}:jobrec:gh/a/b#12`);
    // The ids of a `circleci/...` slug are case-sensitive: another case is another project.
    expect(layout.projectSlot("circleci/AbC/dEf")).not.toBe(layout.projectSlot("circleci/abc/def"));
    expect(layout.workflowsOf(slot, "p")).toBe(`ccgw:{${slot}}:workflows-of:p`);
    expect([layout.projects, layout.leader, layout.leaderEpoch, layout.fence(slot), layout.sequence(slot)]).toStrictEqual([
      "ccgw:{g}:projects",
      "ccgw:{g}:leader",
      "ccgw:{g}:leader:epoch",
      "ccgw:{g}:leader:epoch",
      "ccgw:{g}:seq",
    ]);
    expect(() => keyLayout("team{1}:")).toThrow(RangeError);
  });

  it("isolates deployments by prefix on one server", async () => {
    const [a, b] = [openStore(), openStore()];
    await writeWorld(a);
    expect(await b.listProjects()).toStrictEqual([]);
    expect(await b.getPipelines(world.pipelines.slice(0, 3).map((p) => p.id))).toStrictEqual([undefined, undefined, undefined]);
    expect(await b.listPipelineIds(world.pipelines[0]?.project_slug ?? "", { first: 10 })).toStrictEqual({ ids: [], hasMore: false });
    expect(await b.listContexts()).toStrictEqual([]);
    expect(await b.listActivePipelines()).toStrictEqual([]);
    expect(await b.getCursors(["pipelines"])).toStrictEqual([undefined]);
    expect(await b.getSyncStatus()).toStrictEqual({ running: false, cycles: 0, streams: [] });
    await write(b, writes.contexts([]));
    expect(await a.listContexts()).toHaveLength(world.contexts.length);
  });

  it("costs one round trip per call whatever the batch size, and none for an empty batch", async () => {
    const prefix = `cost-${randomUUID()}:`;
    const store = openStore(prefix);
    const cost = async (call: () => Promise<unknown>): Promise<number> => {
      const before = store.roundTrips;
      await call();
      return store.roundTrips - before;
    };
    const pipelineIds = Array.from({ length: 50 }, (_, i) => world.pipelines[i % world.pipelines.length]?.id ?? "");
    const workflowIds = [...world.jobsByWorkflow.keys()];
    const manyWorkflowIds = Array.from({ length: 150 }, (_, i) => workflowIds[i % workflowIds.length] ?? "");

    expect(await cost(() => write(store, writes.pipelines(world.pipelines)))).toBe(1);
    expect(await cost(() => write(store, writes.workflows(world.workflows)))).toBe(1);
    expect(await cost(() => write(store, writes.workflowJobs(world.jobsByWorkflow, projectOfWorkflow(world))))).toBe(1);
    expect(await cost(() => write(store, writes.jobRecords(world.jobRecords)))).toBe(1);
    expect(await cost(() => write(store, writes.contexts(world.contexts)))).toBe(1);

    let pipelines: unknown[] = [];
    let workflowLists: string[][] = [];
    let jobLists: string[][] = [];
    expect(await cost(async () => (pipelines = await store.getPipelines(pipelineIds)))).toBe(1);
    expect(await cost(async () => (workflowLists = await store.workflowIdsOf(pipelineIds)))).toBe(1);
    expect(await cost(async () => (jobLists = await store.jobIdsOf(manyWorkflowIds)))).toBe(1);
    expect(await cost(() => store.getWorkflowsOf(pipelineIds))).toBe(1);
    expect(await cost(() => store.getJobsOf(manyWorkflowIds))).toBe(1);
    expect(pipelines.every((p) => p !== undefined)).toBe(true);
    expect(workflowLists.flat().length).toBeGreaterThanOrEqual(50);
    expect(jobLists).toHaveLength(150);
    expect(jobLists.every((ids) => ids.length > 0)).toBe(true);

    const slug = world.pipelines[0]?.project_slug ?? "";
    const firstPage = await store.listPipelineIds(slug, { first: 5 });
    expect(await cost(() => store.listPipelineIds(slug, { first: 5, after: firstPage.ids.at(-1) }))).toBe(1);
    expect(await cost(() => store.getSyncStatus())).toBe(1);
    expect(await cost(() => write(store, writes.active({ add: [{ id: idOf(1), projectSlug: slug }], remove: [idOf(2)] })))).toBe(1);
    expect(await cost(() => store.getJobRecords(world.jobRecords))).toBe(1);

    // Another instance has not met these ids: one more round trip finds their projects, once.
    const another = openStore(prefix);
    const costOf = async (call: () => Promise<unknown>): Promise<number> => {
      const before = another.roundTrips;
      await call();
      return another.roundTrips - before;
    };
    expect(await costOf(() => another.getWorkflowsOf(pipelineIds))).toBe(2);
    expect(await costOf(() => another.getPipelines(pipelineIds))).toBe(1);
    expect(await costOf(() => another.getJobsOf(manyWorkflowIds))).toBe(1);
    expect(await costOf(() => another.getJobs([...world.jobsByWorkflow.values()].flat().map((job) => job.id)))).toBe(1);

    expect(await cost(() => store.getPipelines([]))).toBe(0);
    expect(await cost(() => write(store, writes.pipelines([])))).toBe(0);
    expect(await cost(() => store.jobIdsOf([]))).toBe(0);
    expect(await cost(() => store.getJobsOf([]))).toBe(0);
    expect(await cost(() => write(store, writes.active({})))).toBe(0);
  });

  it("passes on an error Redis answered with as it is: that is not an outage", async () => {
    const prefix = `wrongtype-${randomUUID()}:`;
    const store = openStore(prefix);
    await inspector.set(keyLayout(prefix).projects, "not a hash");
    const failure = await store.listProjects().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ReplyError);
    expect(failure).not.toBeInstanceOf(StoreUnavailableError);
  });

  it("creates the store the settings ask for", async () => {
    const embedded = createStore({ prefix: "ccgw:" });
    expect(embedded.store).toBeInstanceOf(MemoryStore);
    expect(embedded.invalidations).toBeInstanceOf(LocalInvalidations);
    await embedded.store.close();
    const shared = createStore({ redisUrl: server.url, prefix: `create-${randomUUID()}:` });
    expect(shared.store).toBeInstanceOf(RedisStore);
    expect(shared.invalidations).toBeInstanceOf(RedisInvalidations);
    await write(shared.store, writes.pipelines([pipeline(1, at(1))]));
    expect(await shared.store.getPipelines([idOf(1)])).toStrictEqual([pipeline(1, at(1))]);
    await Promise.all([shared.store.close(), shared.invalidations.close()]);
  });

  // Last: it restarts the shared test server, which empties it.
  describe("while Redis restarts", () => {
    let store: RedisStore;

    afterEach(async () => {
      await server.start().catch(() => undefined);
    });

    it("fails calls fast with StoreUnavailableError, then answers again by itself", async () => {
      store = openStore();
      const withPassword = openStore(undefined, `redis://:s3cret-pw@127.0.0.1:${server.port}`);
      await write(store, writes.cursors(new Map([["before", "1"]])));
      await server.stop();

      const failure = await settleWithin(store.getCursors(["before"]), 10_000);
      expect(failure).toBeInstanceOf(StoreUnavailableError);
      expect((failure as Error).message).toContain(`Redis at 127.0.0.1:${server.port} is unreachable`);
      await expect(settleWithin(store.ping(), 10_000)).resolves.toBeInstanceOf(StoreUnavailableError);
      const hidden = await settleWithin(withPassword.ping(), 10_000);
      expect(hidden).toBeInstanceOf(StoreUnavailableError);
      expect(String((hidden as Error).message)).not.toContain("s3cret-pw");

      await server.start();
      await eventually(() => store.ping());
      await write(store, writes.cursors(new Map([["after", "2"]])));
      expect(await store.getCursors(["before", "after"])).toStrictEqual([undefined, "2"]);
      expect(await store.listPipelineIds(PROJECT, { first: 1 })).toStrictEqual({ ids: [], hasMore: false });
    });
  });
});

/** The error `call` rejects with; fails the test if it resolves or is still pending after `ms`. */
async function settleWithin(call: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    const value = await Promise.race([call.then(() => new Error("resolved while Redis was down"), (error: unknown) => error), timeout]);
    return value;
  } finally {
    clearTimeout(timer);
  }
}

/** Retries `call` until it resolves (the store reconnects by itself), for up to ten seconds. */
async function eventually(call: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await call();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
