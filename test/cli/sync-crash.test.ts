import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { RedisStore } from "../../src/store/index.js";
import { runCli } from "../support/cli-process.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { compareStoreWithTruth } from "../support/truth.js";

const DAY_MS = 86_400_000;
let sim: Simulator;
let redis: TestRedis;
let slugs: string[];

beforeAll(async () => {
  // Latency stretches the cycle so that the kills land inside it, at different stages.
  [sim, redis] = await Promise.all([
    startSimulator({ world: { seed: 23, projects: 2, pipelinesPerProject: 25, historyDays: 10 }, pageSize: 5, latencyMs: 15 }),
    startTestRedis(),
  ]);
  slugs = [...sim.world.state.projects.keys()];
});

afterAll(async () => {
  await sim?.stop();
  await redis?.stop();
});

function syncOnce(prefix: string) {
  return runCli(["sync", "--once"], {
    CIRCLECI_TOKEN: sim.token,
    CIRCLECI_BASE_URL: sim.url,
    CIRCLECI_PROJECT_SLUGS: slugs.join(","),
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    CIRCLECI_REQUESTS_PER_SECOND: "1000",
    CIRCLECI_CONCURRENCY: "8",
    LOG_LEVEL: "silent",
  });
}

async function differences(prefix: string): Promise<string[]> {
  const store = new RedisStore({ url: redis.url, prefix });
  try {
    const since = sim.world.state.now - 30 * DAY_MS;
    return await compareStoreWithTruth(store, sim.world, { projectSlugs: slugs, since });
  } finally {
    await store.close();
  }
}

describe("a sync process killed mid-cycle (built CLI, real Redis)", () => {
  // Kill points chosen by what the victim reported, so each lands at a known stage of the cycle.
  it.each([
    ["once the projects are written", /^projects /],
    ["once one project's pipeline tree is written, while the other's is not", /^job_details /],
  ])("resumes after SIGKILL %s and converges to the truth", async (_stage, killAt) => {
    const prefix = `cli-crash-${killAt.source.replace(/\W/g, "")}:`;
    const victim = syncOnce(prefix);
    await victim.waitForLine(killAt);
    victim.child.kill("SIGKILL");
    expect(await victim.exited).toBeNull();
    expect(victim.stdout()).not.toMatch(/^sync done/m);
    expect((await differences(prefix)).length).toBeGreaterThan(0);

    const rerun = syncOnce(prefix);
    expect(await rerun.exited).toBe(0);
    expect(await differences(prefix)).toEqual([]);
  }, 60_000);
});
