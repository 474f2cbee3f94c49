import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CIRCLECI_ERROR, CIRCLECI_UNAVAILABLE } from "../../src/resolvers/errors.js";
import { JobStatus, WorkflowStatus, enumValueOf } from "../../src/schema/enums.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { isLiveWorkflowStatus, isTerminalJobStatus } from "../../src/sync/live.js";
import { DashboardDocument } from "../generated/graphql.js";
import { sharedRedisEnv, startServeProcess } from "../support/cli-process.js";
import type { CliRun } from "../support/cli-process.js";
import { subscribeChanges } from "../support/pipeline-subscriber.js";
import type { ChangeSubscriber, ReceivedChange } from "../support/pipeline-subscriber.js";
import { hung, startQueryLoop } from "../support/query-loop.js";
import type { QueryLoop, QueryOutcome } from "../support/query-loop.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { cycleEpochs, tenures } from "../support/sync-leadership.js";
import { compareRedisWithTruth, truthStatuses } from "../support/truth.js";
import { waitFor } from "../server/wait-for.js";

/**
 * Issue 6's chaos test: a living simulator, one Redis that persists its data, three built `serve` processes on it
 * (one sync leader, short lease), each with a subscriber to all three change subscriptions and a client polling
 * the dashboard. Faults one after another, partly overlapping: a 429 storm, 5xx and connection resets, a Redis
 * crash and restart on the same port, a SIGKILL of the sync leader. Then the world freezes and the sync settles.
 *
 * Redis runs with an fsynced append-only file, as a production Redis with persistence does. Without it the
 * restart would empty the store, the next cycle would be a first backfill, and a backfill publishes no events
 * (learning history is not news): a subscriber would then miss what changed during the outage by design.
 */
const DAY_MS = 86_400_000;
const PREFIX = "chaos:";
const LEASE_SECONDS = 2;
const INTERVAL_SECONDS = 1;
const INSTANCES = 3;
/**
 * How long a query waits for CircleCI (for what the store lacks: the newest pipelines, before the sync has them).
 * Without this bound a 429 storm held dashboards for as long as the retries and `Retry-After` pauses lasted.
 */
const READ_TIMEOUT_SECONDS = 4;
/** Twice the read timeout: a request still unanswered then hung. */
const DEADLINE_MS = 2 * READ_TIMEOUT_SECONDS * 1000;
/** Each fault phase lasts at least this long, and until the simulator has served this many of its faults. */
const PHASE_MS = 1500;
const FAULTS_PER_KIND = 5;
const REDIS_DOWN_MS = 2000;
/** What a field that needed CircleCI says when CircleCI failed it: the only errors the dashboard may get. */
const UPSTREAM_ERROR_CODES: ReadonlySet<string> = new Set([CIRCLECI_UNAVAILABLE, CIRCLECI_ERROR]);

interface Instance {
  run: CliRun;
  url: string;
  subscriber: ChangeSubscriber;
  queries: QueryLoop;
}

let sim: Simulator;
let redis: TestRedis;
let slugs: string[];
const instances: Instance[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  [sim, redis] = await Promise.all([
    startSimulator({
      world: { seed: 66, projects: 2, pipelinesPerProject: 8, historyDays: 3, activity: { pipelineEveryMs: 30_000 } },
      // 15 simulated seconds every 250 ms: each project gets a pipeline every ~0.5 s, and jobs finish within seconds.
      live: { tickMs: 250, speed: 60 },
    }),
    startTestRedis({ persistent: true }),
  ]);
  slugs = [...sim.world.state.projects.keys()];
});

afterAll(async () => {
  await Promise.all(instances.map(({ queries, subscriber }) => Promise.all([queries.stop(), subscriber.dispose()])));
  for (const { run } of instances) if (run.child.exitCode === null) run.child.kill("SIGKILL");
  await sim?.stop();
  await redis?.dispose();
});

async function startInstance(index: number): Promise<Instance> {
  const { run, url } = await startServeProcess({
    ...sharedRedisEnv({ sim, slugs, redisUrl: redis.url, prefix: PREFIX }),
    SYNC_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
    SYNC_LEADER_TTL_SECONDS: String(LEASE_SECONDS),
    CIRCLECI_READ_TIMEOUT_SECONDS: String(READ_TIMEOUT_SECONDS),
    LOG_LEVEL: "info",
  });
  const body = { query: print(DashboardDocument), variables: { projectSlug: slugs[index % slugs.length], first: 20 } };
  const instance = { run, url, subscriber: subscribeChanges(url), queries: startQueryLoop({ url, body, deadlineMs: DEADLINE_MS, pauseMs: 100 }) };
  instances.push(instance);
  return instance;
}

/** The instance that completed the cycle of the highest leader epoch so far. */
function currentLeader(alive: readonly Instance[]): { instance: Instance; epoch: number } {
  const [best] = alive
    .map((instance) => ({ instance, epoch: Math.max(-1, ...cycleEpochs(instance.run)) }))
    .sort((a, b) => b.epoch - a.epoch);
  if (best === undefined || best.epoch < 0) throw new Error("no instance has completed a sync cycle");
  return best;
}

/** When each phase of the run began, for the figures. */
const marks: { phase: string; at: number }[] = [];
function mark(phase: string): number {
  const at = Date.now();
  marks.push({ phase, at });
  return at;
}

/** Per phase: how long it lasted, queries sent, those answered with GraphQL errors or not at all, the slowest. */
function queriesByPhase(outcomes: readonly QueryOutcome[], phases: readonly { phase: string; at: number }[]) {
  return phases.map(({ phase, at }, index) => {
    const end = phases[index + 1]?.at ?? Infinity;
    const sent = outcomes.filter(({ sentAt }) => sentAt >= at && sentAt < end);
    return {
      phase,
      seconds: Number.isFinite(end) ? (end - at) / 1000 : undefined,
      queries: sent.length,
      withErrors: sent.filter(({ errorCodes }) => errorCodes.length > 0).length,
      unanswered: sent.filter(({ status }) => status === undefined).length,
      slowestMs: Math.max(0, ...sent.map(({ elapsedMs }) => elapsedMs)),
    };
  });
}

/** How many answers the simulator gave with these outcomes (`"429"`, `"reset"`...). */
const served = (...outcomes: string[]) => outcomes.reduce((sum, outcome) => sum + (sim.counters.byStatus()[outcome] ?? 0), 0);

async function phase(done: () => boolean): Promise<void> {
  await sleep(PHASE_MS);
  await waitFor("the sync to meet the injected faults", done, 15_000);
}

const cyclesOf = (alive: readonly Instance[]) => alive.reduce((sum, { run }) => sum + cycleEpochs(run).length, 0);

/** Statuses of one entity as a subscriber received them, for "never back from terminal to live". */
function statusTrails(received: readonly ReceivedChange[]): Map<string, { field: ReceivedChange["field"]; statuses: string[] }> {
  const trails = new Map<string, { field: ReceivedChange["field"]; statuses: string[] }>();
  for (const { field, id, status } of received) {
    if (status === undefined) continue;
    const key = `${field} ${id}`;
    const trail = trails.get(key) ?? { field, statuses: [] };
    trail.statuses.push(status);
    trails.set(key, trail);
  }
  return trails;
}

/** Whether a status as the schema's enum names it is terminal (CircleCI spells it with `_` or `-`). */
function isTerminalEnum(field: ReceivedChange["field"], value: string): boolean {
  const spellings = [value.toLowerCase(), value.toLowerCase().replaceAll("_", "-")];
  return field === "jobStatusChanged" ? spellings.some(isTerminalJobStatus) : spellings.some((status) => !isLiveWorkflowStatus(status));
}

type Statuses = ReturnType<typeof truthStatuses>;

/** What a subscriber, live since `subscribedAt` (simulated time, truth then `before`), missed or got wrong. */
function deliveryProblems(received: readonly ReceivedChange[], subscribedAt: number, before: Statuses, after: Statuses): string[] {
  const problems: string[] = [];
  const pipelinesHeard = new Set(received.flatMap(({ field, id }) => (field === "pipelineCreated" ? [id] : [])));
  for (const pipeline of sim.world.state.pipelines.values()) {
    if (Date.parse(pipeline.created_at) > subscribedAt && !pipelinesHeard.has(pipeline.id)) problems.push(`no pipelineCreated for ${pipeline.id}`);
  }
  const trails = statusTrails(received);
  const expectLast = (field: ReceivedChange["field"], changed: Map<string, string>, was: Map<string, string>, asEnum: (status: string) => string) => {
    for (const [id, status] of changed) {
      if (was.get(id) === status) continue;
      const last = trails.get(`${field} ${id}`)?.statuses.at(-1);
      if (last !== asEnum(status)) problems.push(`${field} ${id}: last event says ${last ?? "nothing"}, truth says ${status}`);
    }
  };
  expectLast("workflowStatusChanged", after.workflows, before.workflows, (status) => enumValueOf(WorkflowStatus, status));
  expectLast("jobStatusChanged", after.jobs, before.jobs, (status) => enumValueOf(JobStatus, status));
  for (const [key, { field, statuses }] of trails) {
    const firstTerminal = statuses.findIndex((status) => isTerminalEnum(field, status));
    const relapse = firstTerminal < 0 ? undefined : statuses.slice(firstTerminal).find((status) => !isTerminalEnum(field, status));
    if (relapse !== undefined) problems.push(`${key}: back from terminal to ${relapse} (${statuses.join(" > ")})`);
  }
  return problems;
}

describe("chaos: three gateways, one Redis, a living CircleCI, and every fault at once", () => {
  it("converges to the truth, delivers every change, and leaves no request hanging", async () => {
    const all = await Promise.all(Array.from({ length: INSTANCES }, (_, index) => startInstance(index)));
    await waitFor("a first sync cycle", () => cyclesOf(all) > 0, 30_000);
    await waitFor("every subscriber to hear a new pipeline", () => all.every(({ subscriber }) => subscriber.received.some(({ field }) => field === "pipelineCreated")), 20_000);
    const subscribedAt = sim.world.state.now;
    const before = truthStatuses(sim.world);

    // A 429 storm, then 5xx and resets joining in before the storm ends. Each phase lasts until the sync has
    // met its fault a few times: on a loaded machine a fixed time could pass with the sync asleep.
    mark("429 storm");
    sim.setRateLimit({ requestsPerSecond: 4 });
    await phase(() => served("429") >= FAULTS_PER_KIND);
    mark("429 + 5xx + resets");
    sim.setFaults({ seed: 6, serverErrorRate: 0.25, resetRate: 0.15 });
    await phase(() => true);
    mark("5xx + resets");
    sim.setRateLimit(null);
    await phase(() => served("500", "502", "503") >= FAULTS_PER_KIND && served("reset") >= FAULTS_PER_KIND);
    sim.setFaults(null);

    // Redis crashes and comes back on the same port with its data; the sync must then complete cycles again.
    mark("Redis down");
    await redis.stop();
    await sleep(REDIS_DOWN_MS);
    mark("Redis back, until a cycle");
    await redis.start();
    const cyclesBeforeRedisBack = cyclesOf(all);
    await waitFor("a sync cycle after Redis came back", () => cyclesOf(all) > cyclesBeforeRedisBack, 20_000);

    // The leader dies without a word (no lease release): another instance takes over once the lease runs out.
    const { instance: leader, epoch: leaderEpoch } = currentLeader(all);
    const killedAt = mark("leader killed, until takeover");
    leader.run.child.kill("SIGKILL");
    await Promise.all([leader.run.exited, leader.queries.stop(), leader.subscriber.dispose()]);
    const survivors = all.filter((instance) => instance !== leader);
    await waitFor("a survivor to take over", () => survivors.some(({ run }) => cycleEpochs(run).some((epoch) => epoch > leaderEpoch)), 20_000);
    const { instance: successor } = currentLeader(survivors);
    const takeoverMs = (tenures(successor.run).at(-1)?.time as number) - killedAt;

    // Settle: the world freezes, the leader completes cycles that began after that.
    mark("settling");
    sim.setLive(null);
    const settledFrom = cycleEpochs(successor.run).length;
    await waitFor("two cycles after the world froze", () => cycleEpochs(successor.run).length >= settledFrom + 2, 20_000);
    const since = sim.world.state.now - 30 * DAY_MS;
    const differences = () => compareRedisWithTruth({ url: redis.url, prefix: PREFIX }, sim.world, { projectSlugs: slugs, since });
    await waitFor("the store to equal the truth", async () => (await differences()).length === 0, 15_000).catch(() => undefined);
    const after = truthStatuses(sim.world);
    const problemsOf = ({ subscriber }: Instance) => deliveryProblems(subscriber.received, subscribedAt, before, after);
    await waitFor("every change to reach every subscriber", () => survivors.every((instance) => problemsOf(instance).length === 0), 5000).catch(() => undefined);
    // Once settled, the store holds everything a dashboard reads: every answer is clean again, on every survivor.
    const settledAt = mark("settled");
    const sentSince = (instance: Instance) => instance.queries.outcomes.filter(({ sentAt }) => sentAt > settledAt);
    await waitFor("a few dashboard answers from every survivor", () => survivors.every((instance) => sentSince(instance).length >= 3), 2 * DEADLINE_MS);
    await Promise.all(survivors.map(({ queries }) => queries.stop()));
    for (const survivor of survivors) {
      expect(sentSince(survivor).filter(({ status, errorCodes }) => status !== 200 || errorCodes.length > 0)).toEqual([]);
    }

    // 1 and 3: the store is exactly the truth (no lost write, no write applied twice).
    expect(await differences()).toEqual([]);
    // 2 and 3: at least once, final status last, never back from terminal to live.
    for (const survivor of survivors) {
      expect(problemsOf(survivor)).toEqual([]);
      expect(survivor.subscriber.errors).toEqual([]);
    }
    // 4: no request hung. No HTTP 5xx ever: a gateway answers a failed field with a GraphQL error in a 200,
    // and while Redis is away it reads through to CircleCI. Before the settle the only errors it may give are
    // CircleCI's own (a read that missed the store met a fault, or the breaker); after it, none (above).
    const outcomes = all.flatMap(({ queries }) => queries.outcomes);
    expect(outcomes.filter(hung)).toEqual([]);
    expect(outcomes.filter(({ status }) => status !== undefined && status >= 500)).toEqual([]);
    expect(outcomes.flatMap(({ errorCodes }) => errorCodes).filter((code) => !UPSTREAM_ERROR_CODES.has(code))).toEqual([]);
    // Only the killed leader's client may have lost a request (the one in flight when it died).
    expect(outcomes.filter(({ status }) => status === undefined).length).toBeLessThanOrEqual(1);

    const figures = {
      instances: INSTANCES,
      queriesSent: outcomes.length,
      queriesAnsweredCleanly: outcomes.filter(({ status, errorCodes }) => status === 200 && errorCodes.length === 0).length,
      queriesWithGraphQLErrors: outcomes.filter(({ errorCodes }) => errorCodes.length > 0).length,
      queriesWithoutAnswer: outcomes.filter(({ status }) => status === undefined).length,
      eventsReceived: all.map(({ subscriber }) => subscriber.received.length),
      upstream429: served("429"),
      upstream5xx: served("500", "502", "503"),
      upstreamResets: served("reset"),
      upstreamRequests: sim.counters.total(),
      redisDownMs: REDIS_DOWN_MS,
      takeoverMs,
      workflowsChangedDuringRun: [...after.workflows].filter(([id, status]) => before.workflows.get(id) !== status).length,
      jobsChangedDuringRun: [...after.jobs].filter(([id, status]) => before.jobs.get(id) !== status).length,
      pipelinesCreatedDuringRun: [...sim.world.state.pipelines.values()].filter(({ created_at }) => Date.parse(created_at) > subscribedAt).length,
      phases: queriesByPhase(outcomes, marks),
    };
    console.log(`chaos figures: ${JSON.stringify(figures)}`);
  }, 90_000);
});
