import { DOMParser } from "@xmldom/xmldom";
import type { Attr, Element } from "@xmldom/xmldom";
import { print } from "graphql";
import { createClient } from "graphql-ws";
import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { boardEntryOfIndex } from "../../src/answers/index.js";
import type { BoardEntry } from "../../src/answers/index.js";
import type { Workflow } from "../../src/circleci/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { storedForm } from "../../src/store/codec.js";
import { RedisEventBus, RedisStore } from "../../src/store/index.js";
import { SyncEngine } from "../../src/sync/index.js";
import { isLiveWorkflowStatus } from "../../src/sync/live.js";
import { StoreWriter } from "../../src/writer/index.js";
import { ApprovalRequestedDocument, BoardChangedDocument, PendingApprovalsDocument, StatusBoardDocument } from "../generated/graphql.js";
import type { BoardTileFragment } from "../generated/graphql.js";
import { truthApprovals, truthBoard, truthPipelines } from "../support/answers-truth.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { simulatorClient } from "../support/simulator-client.js";
import { commitAsSync } from "../support/writes.js";
import { sampleValue } from "../metrics/prometheus-text.js";
import { waitFor } from "../server/wait-for.js";
import { enumOf, isoOf } from "./as-schema.js";
import { dataOf, execute, firstSyncCycle, startGateway } from "./gateway.js";
import type { Gateway } from "./gateway.js";

/**
 * The status board, the approvals inbox, their subscriptions and the CCTray feed over real HTTP and WebSocket against
 * `serve` in-process, on a private Redis, checked against the simulated CircleCI's own data; and what they cost in
 * store round trips, with ten times the history.
 */
const KEY = "board-test-key-0123456789";
let sim: Simulator;
let tenfold: Simulator;
let redis: TestRedis;
let slugs: string[];
const gateways: Gateway[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  [sim, tenfold, redis] = await Promise.all([
    startSimulator({ world: { seed: 31, projects: 3, pipelinesPerProject: 10, historyDays: 3 } }),
    startSimulator({ world: { seed: 31, projects: 3, pipelinesPerProject: 100, historyDays: 3 } }),
    startTestRedis(),
  ]);
  slugs = [...sim.world.state.projects.keys()].sort();
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await Promise.all([sim?.stop(), tenfold?.stop()]);
  await redis?.stop();
});

async function gateway(options: { prefix: string; syncIntervalSeconds: number; world?: Simulator; settings?: Record<string, string> }): Promise<Gateway> {
  const world = options.world ?? sim;
  const started = await startGateway({
    sim: world,
    redisUrl: redis.url,
    redisPrefix: options.prefix,
    projectSlugs: [...world.world.state.projects.keys()],
    syncIntervalSeconds: options.syncIntervalSeconds,
    ...(options.settings === undefined ? {} : { settings: options.settings }),
  });
  gateways.push(started);
  return started;
}

/** A gateway that ran its first sync cycle (then sleeps), over a prefix of its own. */
async function synced(prefix: string, world: Simulator = sim): Promise<Gateway> {
  const started = await gateway({ prefix, syncIntervalSeconds: 3600, world });
  await firstSyncCycle(started);
  return started;
}

/** Another instance's sync cycle on the same Redis: its events reach every gateway over the shared bus. */
async function syncOnce(prefix: string): Promise<void> {
  const store = new RedisStore({ url: redis.url, prefix });
  const bus = RedisEventBus.connect(redis.url, { prefix });
  const client = simulatorClient(sim);
  try {
    const engine = new SyncEngine({ client, store, writer: new StoreWriter({ store, bus }), projectSlugs: slugs, lookbackHours: 6, backfillDays: 30 });
    expect((await engine.runCycle()).ok).toBe(true);
  } finally {
    await Promise.all([client.close(), bus.close(), store.close()]);
  }
}

function asRun(workflow: Workflow) {
  return {
    id: workflow.id,
    name: workflow.name,
    status: enumOf(workflow.status),
    createdAt: isoOf(workflow.created_at),
    stoppedAt: isoOf(workflow.stopped_at),
    pipelineId: workflow.pipeline_id,
    pipelineNumber: workflow.pipeline_number,
  };
}

/** A board entry as `BoardTile` asks for it. */
function asTile(entry: BoardEntry): BoardTileFragment {
  return {
    projectSlug: entry.projectSlug,
    branch: entry.branch,
    workflowName: entry.workflowName,
    latest: asRun(entry.latest),
    lastFinished: entry.lastFinished === null ? null : asRun(entry.lastFinished),
    lastSuccessAt: isoOf(entry.lastSuccessAt),
    failingSince: isoOf(entry.failingSince),
  } as BoardTileFragment;
}

const board = (url: string, variables: { projectSlugs?: string[]; branch?: string; allBranches?: boolean } = {}) => dataOf(url, StatusBoardDocument, variables);

describe("statusBoard and pendingApprovals over HTTP", () => {
  const PREFIX = "e2e-board:";
  let syncing: Gateway;

  beforeAll(async () => {
    syncing = await synced(PREFIX);
  }, 60_000);

  it("answers the board of every synced project's default branch, of one branch, and of every branch, as CircleCI's data gives it", async () => {
    const truth = (branch?: string) => truthBoard(sim.world, { projectSlugs: slugs, since: 0, ...(branch === undefined ? {} : { branch }) }).map(asTile);
    const everyBranch = truth("*");
    expect((await board(syncing.url)).statusBoard).toEqual(truth());
    expect((await board(syncing.url, { allBranches: true })).statusBoard).toEqual(everyBranch);
    expect(new Set(everyBranch.map(({ branch }) => branch)).size).toBeGreaterThan(2);
    const feature = everyBranch.find(({ branch }) => branch !== "main" && branch !== "master")?.branch as string;
    expect((await board(syncing.url, { branch: feature })).statusBoard).toEqual(truth(feature));
    // Named projects come in the order named; one the store does not hold has no board.
    // Any spelling of a slug names its project.
    const named = [slugs[2], "gh/nobody/unsynced", (slugs[0] as string).replace(/^gh\//, "github/").replace(/^bb\//, "bitbucket/"), slugs[0]] as string[];
    const expected = [slugs[2], slugs[0]].flatMap((slug) => truthBoard(sim.world, { projectSlugs: [slug as string], since: 0 }).map(asTile));
    expect((await board(syncing.url, { projectSlugs: named })).statusBoard).toEqual(expected);
  });

  it("refuses a branch together with allBranches, as a bad input", async () => {
    const { body } = await execute(syncing.url, StatusBoardDocument, { branch: "main", allBranches: true });
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(body.errors?.[0]?.message).toMatch(/either `branch` or `allBranches: true`/);
  });

  it("answers every approval on hold, oldest first, with its job, workflow, pipeline and since when it waits", async () => {
    const { pendingApprovals } = await dataOf(syncing.url, PendingApprovalsDocument, {});
    const truth = truthApprovals(sim.world, slugs, 0);
    expect(truth.length).toBeGreaterThan(0);
    expect(pendingApprovals).toEqual(
      truth.map(({ job, workflow, pipeline, waitingSince }) => ({
        job: { id: job.id, name: job.name, type: "APPROVAL", status: "ON_HOLD", approvalRequestId: job.approval_request_id ?? null },
        workflow: { id: workflow.id, name: workflow.name, status: enumOf(workflow.status) },
        pipeline: { id: pipeline.id, number: pipeline.number, vcs: { branch: pipeline.vcs?.branch ?? null } },
        waitingSince: isoOf(waitingSince),
      })),
    );
    const [first] = truth;
    const ofProject = await dataOf(syncing.url, PendingApprovalsDocument, { projectSlug: first?.pipeline.project_slug ?? "" });
    expect(ofProject.pendingApprovals.map(({ job }) => job.id)).toEqual(truth.filter(({ pipeline }) => pipeline.project_slug === first?.pipeline.project_slug).map(({ job }) => job.id));
  });
});

describe("what the board costs", () => {
  /** One query on a fresh serving instance (an empty L1, so the store answers everything), and its store round trips. */
  async function roundTrips(prefix: string, world: Simulator, ask: (url: string) => Promise<unknown[]>): Promise<{ trips: number; items: number }> {
    const serving = await gateway({ prefix, syncIntervalSeconds: 0, world });
    const before = serving.store.roundTrips;
    const items = await ask(serving.url);
    return { trips: serving.store.roundTrips - before, items: items.length };
  }

  it("makes the same number of store round trips with ten times the history: for the default branches, for every branch, for the approvals", async () => {
    await Promise.all([synced("e2e-cost-1x:"), synced("e2e-cost-10x:", tenfold)]);
    const history = (world: Simulator) => [...world.world.state.projects.keys()].reduce((sum, slug) => sum + truthPipelines(world.world, slug, 0).length, 0);
    expect(history(tenfold)).toBeGreaterThanOrEqual(9 * history(sim));
    const queries = [
      // The projects, then every board at once.
      { most: 2, ask: async (url: string) => (await board(url)).statusBoard },
      // The projects, their branches, then every board at once.
      { most: 3, ask: async (url: string) => (await board(url, { allBranches: true })).statusBoard },
      // The projects, the inbox, then the jobs, workflows and pipelines by id (each with its one directory lookup).
      { most: 8, ask: async (url: string) => (await dataOf(url, PendingApprovalsDocument, {})).pendingApprovals },
    ];
    for (const { most, ask } of queries) {
      const one = await roundTrips("e2e-cost-1x:", sim, ask);
      const ten = await roundTrips("e2e-cost-10x:", tenfold, ask);
      expect(one.items).toBeGreaterThan(0);
      expect(ten.items).toBeGreaterThanOrEqual(one.items);
      expect(ten.trips).toBe(one.trips);
      expect(one.trips).toBeLessThanOrEqual(most);
    }
  }, 120_000);
});

describe("the board in the answer cache", () => {
  it("keeps a whole answer until a write changes one of its boards, and keeps it through writes to other projects' boards", async () => {
    const prefix = "e2e-board-cache:";
    const cached = await gateway({ prefix, syncIntervalSeconds: 3600, settings: { GRAPHQL_ANSWER_CACHE_ENTRIES: "100" } });
    await firstSyncCycle(cached);
    const hits = async () => sampleValue(await (await fetch(cached.url.replace("/graphql", "/metrics"))).text(), "circleci_gateway_answer_cache_lookups_total", { result: "hit" }) ?? 0;
    const [target, other] = slugs as [string, string];
    const ask = () => board(cached.url, { projectSlugs: [target] });
    const first = await ask();
    const hitsBefore = await hits();
    expect(await ask()).toEqual(first);
    expect(await hits()).toBe(hitsBefore + 1);

    // Another instance writes a new run on the other project's default branch: this answer stays.
    const store = new RedisStore({ url: redis.url, prefix });
    const bus = RedisEventBus.connect(redis.url, { prefix });
    const writer = new StoreWriter({ store, bus });
    try {
      const newRun = async (slug: string, status: string) => {
        const [entry] = (await store.getBoards([{ projectSlug: slug, branch: sim.world.state.projects.get(slug)?.vcs_info.default_branch as string }]))[0] ?? [];
        if (entry === undefined) throw new Error(`${slug} has no board entry`);
        const [stored] = await store.getPipelines([entry.latest.pipeline_id]);
        if (stored === undefined) throw new Error("the latest run's pipeline is not stored");
        const created = new Date(Date.parse(entry.latest.created_at) + 60_000).toISOString();
        const pipeline = { ...stored, id: crypto.randomUUID(), number: stored.number + 1000, created_at: created };
        const run: Workflow = { ...entry.latest, id: crypto.randomUUID(), pipeline_id: pipeline.id, pipeline_number: pipeline.number, status, created_at: created, stopped_at: null };
        await commitAsSync(writer, slug, { pipelines: [pipeline], workflows: [run] });
        return run;
      };
      await newRun(other, "running");
      expect(await ask()).toEqual(first);
      expect(await hits()).toBe(hitsBefore + 2);

      const run = await newRun(target, "running");
      const after = await ask();
      expect(await hits()).toBe(hitsBefore + 2);
      expect(after.statusBoard.find(({ workflowName }) => workflowName === run.name)?.latest).toEqual(asRun(run));
      const [entry] = (await store.getBoards([{ projectSlug: target, branch: sim.world.state.projects.get(target)?.vcs_info.default_branch as string }]))[0]?.filter(({ workflowName }) => workflowName === run.name) ?? [];
      expect(entry?.latest).toEqual(storedForm("workflow", run));
    } finally {
      await Promise.all([bus.close(), store.close()]);
    }
  }, 60_000);
});

describe("approvalRequested and boardChanged over WebSocket", () => {
  it("push each approval that goes on hold and each board entry that changes, as the board then answers it", async () => {
    const prefix = "e2e-board-events:";
    const listening = await synced(prefix);
    const client = createClient({ url: listening.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
    clients.push(client);
    const [slug] = slugs as [string];
    const approvals: string[] = [];
    const tiles: BoardTileFragment[] = [];
    const subscribe = (query: string, next: (data: Record<string, unknown>) => void) =>
      client.subscribe({ query, variables: { projectSlug: slug } }, { next: (result) => next(result.data ?? {}), error: () => undefined, complete: () => undefined });
    subscribe(print(ApprovalRequestedDocument), (data) => approvals.push((data.approvalRequested as { job: { id: string } }).job.id));
    subscribe(print(BoardChangedDocument), (data) => tiles.push(data.boardChanged as BoardTileFragment));
    await waitFor("the subscriptions to be live", () => listening.subscriberCount() === 2, 5000);

    const held = sim.world.triggerPipeline(slug, { holdForApproval: true });
    sim.world.advance(15 * 60_000);
    await syncOnce(prefix);
    const onHold = truthApprovals(sim.world, [slug], 0).filter(({ pipeline }) => pipeline.id === held.id);
    expect(onHold).toHaveLength(1);
    await waitFor("the approval to be pushed", () => approvals.includes(onHold[0]?.job.id as string), 10_000);
    expect(approvals.filter((id) => id === onHold[0]?.job.id)).toHaveLength(1);

    // Each entry that changed was pushed, its last push being the entry as the board now answers it.
    const now = (await board(listening.url, { projectSlugs: [slug], allBranches: true })).statusBoard;
    await waitFor("the board changes to be pushed", () => tiles.some(({ latest }) => held.id === latest.pipelineId), 10_000);
    const last = new Map(tiles.map((tile) => [`${tile.branch} ${tile.workflowName}`, tile]));
    expect(last.size).toBeGreaterThan(0);
    for (const [key, tile] of last) expect(now.find((entry) => `${entry.branch} ${entry.workflowName}` === key)).toEqual(tile);
    expect(tiles.every((tile) => tile.projectSlug === slug)).toBe(true);
  }, 60_000);
});

describe("GET /cc.xml", () => {
  const PREFIX = "e2e-cctray:";
  let feed: Gateway;
  let store: RedisStore;

  beforeAll(async () => {
    await synced(PREFIX);
    feed = await gateway({ prefix: PREFIX, syncIntervalSeconds: 0, settings: { GATEWAY_API_KEYS: KEY } });
    store = new RedisStore({ url: redis.url, prefix: PREFIX });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
  });

  const feedUrl = (query = "") => `${feed.url.replace("/graphql", "/cc.xml")}${query}`;
  const bearer = { authorization: `Bearer ${KEY}` };

  /** The feed read back by a real XML parser: each `<Project>`'s attributes. */
  function parseFeed(xml: string): Record<string, string>[] {
    const parser = new DOMParser({
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
    });
    const root = parser.parseFromString(xml, "text/xml").documentElement;
    expect(root?.nodeName).toBe("Projects");
    return Array.from(root?.childNodes ?? [])
      .filter((node) => node.nodeType === node.ELEMENT_NODE)
      .map((node) => {
        expect(node.nodeName).toBe("Project");
        const { attributes } = node as Element;
        return Object.fromEntries(Array.from({ length: attributes.length }, (_, index) => attributes.item(index) as Attr).map((attribute) => [attribute.name, attribute.value]));
      });
  }

  /** What the feed must say of each entry the store's index holds, worked out here from the format's rules. */
  function expectedProject(entry: BoardEntry): Record<string, string> {
    const reported = entry.lastFinished ?? entry.latest;
    const [vcs, ...path] = entry.projectSlug.split("/");
    const appVcs = vcs === "gh" ? "github" : vcs === "bb" ? "bitbucket" : vcs;
    const status = entry.lastFinished?.status;
    return {
      name: `${entry.projectSlug} :: ${entry.workflowName}`,
      activity: isLiveWorkflowStatus(entry.latest.status) ? "Building" : "Sleeping",
      lastBuildStatus: status === undefined ? "Unknown" : status === "success" ? "Success" : status === "failed" || status === "error" ? "Failure" : "Exception",
      lastBuildLabel: String(reported.pipeline_number),
      lastBuildTime: new Date(entry.lastFinished === null ? reported.created_at : (reported.stopped_at ?? reported.created_at)).toISOString(),
      webUrl: `${sim.url}/pipelines/${[appVcs, ...path].join("/")}/${reported.pipeline_number}/workflows/${reported.id}`,
    };
  }

  async function storedEntries(projectSlugs: readonly string[], branch?: string): Promise<BoardEntry[]> {
    const projects = await store.getProjects(projectSlugs);
    const scopes = projectSlugs.map((projectSlug, index) => ({ projectSlug, branch: branch ?? (projects[index]?.project?.vcs_info.default_branch as string) }));
    return (await store.getBoards(scopes)).flat().map(boardEntryOfIndex);
  }

  const byName = (a: Record<string, string>, b: Record<string, string>) => ((a.name as string) < (b.name as string) ? -1 : 1);

  it("reports every synced project's default-branch workflows, each attribute as the store holds it", async () => {
    const response = await fetch(feedUrl(), { headers: bearer });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/xml/);
    const projects = parseFeed(await response.text());
    const expected = (await storedEntries(slugs)).map(expectedProject).sort(byName);
    expect(expected.length).toBeGreaterThan(3);
    expect(projects).toEqual(expected);
    expect(new Set(projects.map(({ lastBuildStatus }) => lastBuildStatus)).size).toBeGreaterThan(1);
  });

  it("takes projects (repeatable) and a branch", async () => {
    const [first, second] = slugs as [string, string];
    const named = parseFeed(await (await fetch(feedUrl(`?project=${encodeURIComponent(first)}&project=${encodeURIComponent(second)}`), { headers: bearer })).text());
    expect(named).toEqual((await storedEntries([first, second])).map(expectedProject).sort(byName));
    const [branch] = (await store.getBoardBranches([first]))[0]?.filter((name) => name !== "main" && name !== "master") ?? [];
    if (branch === undefined) throw new Error(`${first} ran on no feature branch`);
    const onBranch = parseFeed(await (await fetch(feedUrl(`?project=${encodeURIComponent(first)}&branch=${encodeURIComponent(branch)}`), { headers: bearer })).text());
    expect(onBranch.length).toBeGreaterThan(0);
    expect(onBranch).toEqual((await storedEntries([first], branch)).map(expectedProject).sort(byName));
  });

  it("needs the API key, as a bearer token or as the password of HTTP Basic, and never takes it from the URL", async () => {
    const missing = await fetch(feedUrl());
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Basic realm="circleci-gateway".*, Bearer realm="circleci-gateway"/);
    expect(await missing.text()).not.toContain(KEY);

    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
    expect((await fetch(feedUrl(), { headers: basic("ccmenu", KEY) })).status).toBe(200);
    expect((await fetch(feedUrl(), { headers: basic("", KEY) })).status).toBe(200);
    expect((await fetch(feedUrl(), { headers: basic("ccmenu", `${KEY}x`) })).status).toBe(401);
    expect((await fetch(feedUrl(), { headers: { authorization: `Bearer ${KEY}x` } })).status).toBe(401);

    for (const parameter of ["key", "api_key", "token"]) {
      const inUrl = await fetch(feedUrl(`?${parameter}=${KEY}`));
      expect(inUrl.status).toBe(401);
      const withHeader = await fetch(feedUrl(`?${parameter}=${KEY}`), { headers: bearer });
      expect(withHeader.status).toBe(400);
      const text = await withHeader.text();
      expect(text).toMatch(/never in the URL/);
      expect(text).not.toContain(KEY);
    }
    // Basic is the feed's alone: GraphQL still takes only a bearer key.
    const graphql = await fetch(feed.url, { method: "POST", headers: { "content-type": "application/json", ...basic("ccmenu", KEY) }, body: JSON.stringify({ query: "{ syncStatus { cycles } }" }) });
    expect(graphql.status).toBe(401);
  });
});
