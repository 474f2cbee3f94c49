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
let orgId: string;

beforeAll(async () => {
  [sim, redis] = await Promise.all([
    startSimulator({ world: { seed: 11, projects: 2, pipelinesPerProject: 20, historyDays: 10 }, pageSize: 7 }),
    startTestRedis(),
  ]);
  slugs = [...sim.world.state.projects.keys()];
  orgId = sim.world.state.projects.get(slugs[0] as string)?.organization_id as string;
});

afterAll(async () => {
  await sim?.stop();
  await redis?.stop();
});

function settings(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CIRCLECI_TOKEN: sim.token,
    CIRCLECI_BASE_URL: sim.url,
    CIRCLECI_PROJECT_SLUGS: slugs.join(","),
    CIRCLECI_ORG_ID: orgId,
    REDIS_URL: redis.url,
    SYNC_BACKFILL_DAYS: "30",
    CIRCLECI_REQUESTS_PER_SECOND: "1000",
    CIRCLECI_CONCURRENCY: "16",
    LOG_LEVEL: "silent",
    ...overrides,
  };
}

describe("circleci-gateway sync --once (built CLI)", () => {
  it("syncs every stream into Redis, prints a line per stream and a summary, exits 0", async () => {
    const prefix = "cli-sync-ok:";
    const run = runCli(["sync", "--once"], settings({ REDIS_PREFIX: prefix }));
    expect(await run.exited).toBe(0);
    const out = run.stdout();
    for (const slug of slugs) {
      for (const stream of ["projects", "pipelines", "workflows", "workflow_jobs", "job_details", "tests"]) {
        expect(out).toMatch(new RegExp(`^${stream} ${slug.replaceAll("/", "\\/")}: \\d+ records, \\d+ pages`, "m"));
      }
    }
    expect(out).toMatch(/^contexts: \d+ records/m);
    expect(out).toMatch(/^stream\s+project\s+records\s+pages\s+status$/m);
    expect(out).toMatch(/^sync done in [\d.]+ s with \d+ CircleCI calls$/m);

    const store = new RedisStore({ url: redis.url, prefix });
    try {
      const since = sim.world.state.now - 30 * DAY_MS;
      expect(await compareStoreWithTruth(store, sim.world, { projectSlugs: slugs, since, orgId })).toEqual([]);
      expect((await store.getSyncStatus()).cycles).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("exits 1 with the fix for a bad token, and never prints the token", async () => {
    const badToken = "CCIPAT_NotARealToken1234_0123456789abcdef0123456789abcdef01234567";
    const run = runCli(["sync", "--once"], settings({ CIRCLECI_TOKEN: badToken, REDIS_PREFIX: "cli-sync-401:" }));
    expect(await run.exited).toBe(1);
    expect(run.stdout()).toMatch(/^sync failed .*CircleCI rejected the token \(401\).*Personal API Tokens/m);
    expect(run.stdout() + run.stderr()).not.toContain(badToken);
  });

  it("exits 1 naming the slug format when a project is not found, and still syncs the others", async () => {
    const run = runCli(["sync", "--once"], settings({ CIRCLECI_PROJECT_SLUGS: `gh/nobody/nothing,${slugs[0]}`, REDIS_PREFIX: "cli-sync-404:" }));
    expect(await run.exited).toBe(1);
    expect(run.stdout()).toMatch(/^projects gh\/nobody\/nothing: FAILED: Project gh\/nobody\/nothing was not found.*gh\/org\/repo/m);
    expect(run.stdout()).toMatch(new RegExp(`^pipelines ${(slugs[0] as string).replaceAll("/", "\\/")}: \\d+ records`, "m"));
  });

  it("exits 2 with one line when a required setting is missing, or when the loop is disabled", async () => {
    const missing = runCli(["sync", "--once"], { ...settings(), CIRCLECI_TOKEN: "" });
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toMatch(/^Missing CIRCLECI_TOKEN \(--circleci-token\)/);
    const disabled = runCli(["sync"], settings({ SYNC_INTERVAL_SECONDS: "0" }));
    expect(await disabled.exited).toBe(2);
    expect(disabled.stderr()).toMatch(/SYNC_INTERVAL_SECONDS=0 disables the background sync: use sync --once/);
  });
});
