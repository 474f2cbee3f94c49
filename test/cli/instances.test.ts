import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { dataOf } from "../e2e/gateway.js";
import { DashboardDocument } from "../generated/graphql.js";
import { sharedRedisEnv, startServeProcess } from "../support/cli-process.js";
import type { CliRun } from "../support/cli-process.js";
import { subscribePipelineCreated } from "../support/pipeline-subscriber.js";
import type { PipelineSubscriber } from "../support/pipeline-subscriber.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { cycleEpochs, tenures as tenuresOf } from "../support/sync-leadership.js";
import { compareRedisWithTruth } from "../support/truth.js";
import { waitFor } from "../server/wait-for.js";

/**
 * Three built `serve` processes on one Redis against one living simulator: one leader syncs, all serve and push.
 * The leader is killed (SIGKILL: no release, its lease must run out) and another takes over; a replacement joins.
 */
const DAY_MS = 86_400_000;
const PREFIX = "cli-instances:";
const LEASE_SECONDS = 2;
const INTERVAL_SECONDS = 1;
/** Scheduling slack of three Node processes and a test runner on a loaded CI machine. */
const SLACK_MS = 2000;

interface Instance {
  run: CliRun;
  url: string;
  subscriber: PipelineSubscriber;
}

let sim: Simulator;
let redis: TestRedis;
let slugs: string[];
let ticker: NodeJS.Timeout | undefined;
const instances: Instance[] = [];

beforeAll(async () => {
  [sim, redis] = await Promise.all([
    startSimulator({ world: { seed: 41, projects: 2, pipelinesPerProject: 8, historyDays: 3, activity: { pipelineEveryMs: 30_000 } } }),
    startTestRedis(),
  ]);
  slugs = [...sim.world.state.projects.keys()];
});

afterAll(async () => {
  clearInterval(ticker);
  await Promise.all(instances.map(({ subscriber }) => subscriber.dispose()));
  for (const { run } of instances) if (run.child.exitCode === null) run.child.kill("SIGKILL");
  await sim?.stop();
  await redis?.stop();
});

/** The simulated world lives: 15 simulated seconds every 250 ms, so each project gets a pipeline every ~0.5 s. */
function liveWorld(): void {
  ticker = setInterval(() => sim.world.advance(15_000), 250);
}

async function startInstance(): Promise<Instance> {
  const { run, url } = await startServeProcess({
    ...sharedRedisEnv({ sim, slugs, redisUrl: redis.url, prefix: PREFIX }),
    SYNC_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
    SYNC_LEADER_TTL_SECONDS: String(LEASE_SECONDS),
    LOG_LEVEL: "info",
  });
  const instance = { run, url, subscriber: subscribePipelineCreated(url) };
  instances.push(instance);
  return instance;
}

const epochs = (instance: Instance) => cycleEpochs(instance.run);
const tenures = (instance: Instance) => tenuresOf(instance.run);

async function untilEveryoneHears(listeners: readonly Instance[]): Promise<void> {
  const heard = listeners.map(({ subscriber }) => subscriber.received.length);
  await waitFor(
    "every instance's subscriber to receive a new pipelineCreated event",
    () => listeners.every(({ subscriber }, index) => subscriber.received.length > (heard[index] as number)),
    20_000,
  );
}

describe("three gateway processes on one Redis (built CLI)", () => {
  it("one leader syncs; a killed leader is replaced within its lease, with no double sync; all push and answer alike", async () => {
    const first = await Promise.all([startInstance(), startInstance(), startInstance()]);
    liveWorld();
    await waitFor("a first sync cycle", () => first.some((instance) => epochs(instance).length > 0), 30_000);
    await untilEveryoneHears(first);

    const leader = first.find((instance) => epochs(instance).length > 0) as Instance;
    const followers = first.filter((instance) => instance !== leader);
    const leaderCycles = epochs(leader).length;
    await waitFor("three more cycles of the leader", () => epochs(leader).length >= leaderCycles + 3);
    for (const follower of followers) expect(epochs(follower)).toEqual([]);
    const [leaderEpoch] = epochs(leader);
    expect(new Set(epochs(leader))).toEqual(new Set([leaderEpoch]));

    leader.run.child.kill("SIGKILL");
    const killedAt = Date.now();
    await leader.run.exited;
    await waitFor("a follower to take over", () => followers.some((instance) => epochs(instance).length > 0), 20_000);
    const successor = followers.find((instance) => epochs(instance).length > 0) as Instance;
    const bystander = followers.find((instance) => instance !== successor) as Instance;
    const [tenure] = tenures(successor);
    expect(tenure?.fencingToken).toBeGreaterThan(leaderEpoch as number);
    // The lease outlives its last renewal by at most the TTL; the follower bids once per interval (+10% jitter).
    expect((tenure?.time as number) - killedAt).toBeLessThan((LEASE_SECONDS + 1.1 * INTERVAL_SECONDS) * 1000 + SLACK_MS);

    // A replacement pod joins; everyone alive keeps hearing the new leader's events.
    const replacement = await startInstance();
    const alive = [successor, bystander, replacement];
    await untilEveryoneHears(alive);

    // Settle: the world stops, and the leader completes cycles that began after it.
    clearInterval(ticker);
    const settledFrom = epochs(successor).length;
    await waitFor("two cycles after the world stopped", () => epochs(successor).length >= settledFrom + 2, 20_000);

    // Exactly one instance synced per tenure, epochs strictly increasing from one tenure to the next.
    expect(epochs(bystander)).toEqual([]);
    expect(epochs(replacement)).toEqual([]);
    expect(new Set(epochs(successor))).toEqual(new Set([tenure?.fencingToken]));
    expect(tenures(leader)).toHaveLength(1);
    expect(tenures(successor)).toHaveLength(1);

    // The same query on every instance gives the same answer (once each L1 entry has outlived its 2 s TTL).
    const answers = async () => Promise.all(alive.map(({ url }) => dataOf(url, DashboardDocument, { projectSlug: slugs[0] as string, first: 20 })));
    await waitFor("every instance to answer alike", async () => new Set((await answers()).map((answer) => JSON.stringify(answer))).size === 1);

    const since = sim.world.state.now - 30 * DAY_MS;
    expect(await compareRedisWithTruth({ url: redis.url, prefix: PREFIX }, sim.world, { projectSlugs: slugs, since })).toEqual([]);
    for (const { subscriber } of alive) expect(subscriber.errors).toEqual([]);
  }, 90_000);
});
