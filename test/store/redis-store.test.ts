import { randomUUID } from "node:crypto";
import { Redis, ReplyError } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createStore, keyLayout, MemoryStore, RedisStore, StoreUnavailableError } from "../../src/store/index.js";
import { startTestRedis, type TestRedis } from "../support/redis-server.js";
import { PROJECT, at, idOf, pipeline, worldDocuments, writeWorldDocuments } from "./fixtures.js";
import { storeContract } from "./store-contract.js";

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

storeContract("RedisStore", () => openStore());

describe("RedisStore on Redis", () => {
  const world = worldDocuments();

  async function writeWorld(store: RedisStore): Promise<void> {
    await writeWorldDocuments(store, world);
    await store.setActivePipelines({ add: [{ id: idOf(1), projectSlug: PROJECT }] });
    await store.setCursors(new Map([["pipelines", at(1)]]));
    await store.putStreamStatuses([{ stream: "contexts", records: 1 }]);
    await store.putSyncSummary({ running: false, cycles: 1 });
  }

  it("keeps every key under its prefix and one hash tag, in the documented shapes", async () => {
    const prefix = `layout-${randomUUID()}:`;
    await writeWorld(openStore(prefix));
    const keys = await inspector.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(world.pipelines.length);
    expect(keys.every((key) => key.startsWith(`${prefix}{d}:`))).toBe(true);

    const layout = keyLayout(prefix);
    const [first] = world.pipelines;
    if (first === undefined) throw new Error("empty world");
    const workflow = world.workflows.find((w) => w.pipeline_id === first.id);
    const [workflowId] = [...world.jobsByWorkflow.keys()];
    if (workflow === undefined || workflowId === undefined) throw new Error("world without workflows");
    const types = await Promise.all(
      [
        layout.projects,
        layout.pipeline(first.id),
        layout.pipelinesOf(first.project_slug),
        layout.workflowsOf(first.id),
        layout.jobsOf(workflowId),
        layout.contexts,
        layout.active,
        layout.cursor("pipelines"),
        layout.statuses,
        layout.summary,
      ].map((key) => inspector.type(key)),
    );
    expect(types).toStrictEqual(["hash", "string", "zset", "zset", "list", "hash", "hash", "string", "hash", "string"]);
    expect(Number(await inspector.zscore(layout.pipelinesOf(first.project_slug), first.id))).toBe(Date.parse(first.created_at));
    expect(Number(await inspector.zscore(layout.workflowsOf(first.id), workflow.id))).toBe(Date.parse(workflow.created_at));
  });

  it("names keys as documented, and refuses a prefix that would break the hash tag", () => {
    const layout = keyLayout("ccgw:");
    expect(layout.pipelinesOf("gh/a/b", "feature/x")).toBe("ccgw:{d}:pipelines:gh/a/b:branch:feature/x");
    expect(layout.jobRecord({ projectSlug: "gh/a/b", number: 12 })).toBe("ccgw:{d}:jobrec:gh/a/b#12");
    expect(layout.workflowsOf("p")).toBe("ccgw:{d}:workflows-of:p");
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
    await b.replaceContexts([]);
    expect(await a.listContexts()).toHaveLength(world.contexts.length);
  });

  it("costs one round trip per call whatever the batch size, and none for an empty batch", async () => {
    const store = openStore();
    const cost = async (call: () => Promise<unknown>): Promise<number> => {
      const before = store.roundTrips;
      await call();
      return store.roundTrips - before;
    };
    const pipelineIds = Array.from({ length: 50 }, (_, i) => world.pipelines[i % world.pipelines.length]?.id ?? "");
    const workflowIds = [...world.jobsByWorkflow.keys()];
    const manyWorkflowIds = Array.from({ length: 150 }, (_, i) => workflowIds[i % workflowIds.length] ?? "");

    expect(await cost(() => store.putPipelines(world.pipelines))).toBe(1);
    expect(await cost(() => store.putWorkflows(world.workflows))).toBe(1);
    expect(await cost(() => store.putWorkflowJobs(world.jobsByWorkflow))).toBe(1);
    expect(await cost(() => store.putJobRecords(world.jobRecords))).toBe(1);
    expect(await cost(() => store.replaceContexts(world.contexts))).toBe(1);

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
    expect(await cost(() => store.setActivePipelines({ add: [{ id: idOf(1), projectSlug: slug }], remove: [idOf(2)] }))).toBe(1);
    expect(await cost(() => store.getJobRecords(world.jobRecords))).toBe(1);

    expect(await cost(() => store.getPipelines([]))).toBe(0);
    expect(await cost(() => store.putPipelines([]))).toBe(0);
    expect(await cost(() => store.jobIdsOf([]))).toBe(0);
    expect(await cost(() => store.getJobsOf([]))).toBe(0);
    expect(await cost(() => store.setActivePipelines({}))).toBe(0);
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
    expect(embedded).toBeInstanceOf(MemoryStore);
    await embedded.close();
    const shared = createStore({ redisUrl: server.url, prefix: `create-${randomUUID()}:` });
    expect(shared).toBeInstanceOf(RedisStore);
    await shared.putPipelines([pipeline(1, at(1))]);
    expect(await shared.getPipelines([idOf(1)])).toStrictEqual([pipeline(1, at(1))]);
    await shared.close();
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
      await store.setCursors(new Map([["before", "1"]]));
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
      await store.setCursors(new Map([["after", "2"]]));
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
