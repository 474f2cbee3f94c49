import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { RedisLeaderLock } from "../../src/store/index.js";
import { runCli, sharedRedisEnv } from "../support/cli-process.js";
import type { CliRun } from "../support/cli-process.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { compareRedisWithTruth } from "../support/truth.js";

const DAY_MS = 86_400_000;
const PREFIX = "cli-leader:";
const CYCLE = /^sync cycle done: \d+ records, \d+ CircleCI calls \(leader epoch (\d+)\)$/gm;
let sim: Simulator;
let redis: TestRedis;
let slugs: string[];
const processes: CliRun[] = [];

beforeAll(async () => {
  [sim, redis] = await Promise.all([
    startSimulator({ world: { seed: 5, projects: 2, pipelinesPerProject: 12, historyDays: 5 } }),
    startTestRedis(),
  ]);
  slugs = [...sim.world.state.projects.keys()];
});

afterAll(async () => {
  for (const run of processes) if (run.child.exitCode === null) run.child.kill("SIGKILL");
  await sim?.stop();
  await redis?.stop();
});

function syncer(): CliRun {
  const run = runCli(["sync"], {
    ...sharedRedisEnv({ sim, slugs, redisUrl: redis.url, prefix: PREFIX }),
    SYNC_INTERVAL_SECONDS: "1",
    SYNC_LEADER_TTL_SECONDS: "2",
    LOG_LEVEL: "silent",
  });
  processes.push(run);
  return run;
}

function epochs(run: CliRun): number[] {
  return [...run.stdout().matchAll(CYCLE)].map((match) => Number(match[1]));
}

describe("two sync processes on one Redis (built CLI)", () => {
  it("only the leader syncs; when it is killed the other takes over; a stopped one releases its lease", async () => {
    const first = syncer();
    await first.waitForLine(/^sync cycle done/);
    const second = syncer();
    await second.waitForLine(/^sync: a cycle every 1 s/);
    // Several more cycles of the leader, with the follower bidding every second meanwhile.
    const cyclesBefore = epochs(first).length;
    while (epochs(first).length < cyclesBefore + 3) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(epochs(second)).toEqual([]);
    const firstEpoch = epochs(first)[0] as number;
    expect(new Set(epochs(first))).toEqual(new Set([firstEpoch]));

    first.child.kill("SIGKILL");
    await first.exited;
    await second.waitForLine(/^sync cycle done/, 15_000);
    expect(epochs(second)[0]).toBeGreaterThan(firstEpoch);

    // The new leader keeps the store equal to CircleCI.
    const since = sim.world.state.now - 30 * DAY_MS;
    expect(await compareRedisWithTruth({ url: redis.url, prefix: PREFIX }, sim.world, { projectSlugs: slugs, since })).toEqual([]);

    // A graceful stop hands the lease back at once: a newcomer gets it without waiting for the TTL.
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    const newcomer = RedisLeaderLock.connect(redis.url, { prefix: PREFIX, ttlMs: 60_000 });
    try {
      expect(await newcomer.acquire()).toBe(true);
    } finally {
      await newcomer.close();
    }
  }, 60_000);
});
