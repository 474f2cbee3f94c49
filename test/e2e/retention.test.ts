import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { keyLayout } from "../../src/store/keys.js";
import { isPipelineActive } from "../../src/sync/index.js";
import { truthPipelines, truthWorkflows } from "../support/answers-truth.js";
import { runCli, sharedRedisEnv, startServeProcess, stopCli } from "../support/cli-process.js";
import type { CliRun } from "../support/cli-process.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { waitFor } from "../server/wait-for.js";
import { postBody } from "./gateway.js";

/**
 * Retention end to end: the built `sync --once` fills Redis from a simulated CircleCI, then runs again with the
 * window moved past part of what it stored; finished pipelines older than the window are gone with everything under
 * them, a pipeline waiting on an approval since before the window stays, `pipeline(id)` of a removed one is fetched
 * from CircleCI again, and the next sync removes what that fetch wrote back. The CLI runs on the real clock, so the
 * window moves by shortening it (4 days, then 2) while the simulator's clock runs on to the present.
 */
const DAY_MS = 86_400_000;
const PREFIX = "e2e-retention:";
let sim: Simulator;
let redis: TestRedis;
let inspector: Redis;
let slugs: string[];
let env: NodeJS.ProcessEnv;
let held: string;
const keys = keyLayout(PREFIX);

beforeAll(async () => {
  const now = Date.now();
  [sim, redis] = await Promise.all([startSimulator({ world: { seed: 53, projects: 2, pipelinesPerProject: 40, historyDays: 6, now: now - 3 * DAY_MS } }), startTestRedis()]);
  inspector = new Redis(redis.url);
  slugs = [...sim.world.state.projects.keys()].sort();
  held = sim.world.triggerPipeline(slugs[0] as string, { holdForApproval: true }).id;
  sim.world.advance(Date.now() - sim.world.state.now - 60_000);
  env = sharedRedisEnv({ sim, slugs, redisUrl: redis.url, prefix: PREFIX });
}, 60_000);

afterAll(async () => {
  inspector?.disconnect();
  await sim?.stop();
  await redis?.stop();
});

async function syncOnce(days: number): Promise<string> {
  const run = runCli(["sync", "--once"], { ...env, SYNC_BACKFILL_DAYS: String(days), SYNC_RETENTION_DAYS: String(days) });
  expect(await run.exited, run.stderr()).toBe(0);
  return run.stdout();
}

/** Every key of the deployment by family (`pipeline`, `workflow`, `jobs-of`, ...), with the id each names. */
async function keysByFamily(): Promise<Map<string, Set<string>>> {
  const families = new Map<string, Set<string>>();
  let cursor = "0";
  do {
    const [next, found] = await inspector.scan(cursor, "MATCH", `${PREFIX}*`, "COUNT", 1000);
    cursor = next;
    for (const key of found) {
      const match = /^[^}]*\}:([a-z-]+):(.*)$/.exec(key);
      if (match === null) continue;
      const [, family, id] = match as unknown as [string, string, string];
      families.set(family, (families.get(family) ?? new Set()).add(id));
    }
  } while (cursor !== "0");
  return families;
}

/** What no removal may leave: a workflow, job, job record, list or directory entry whose pipeline is not stored. */
async function orphans(): Promise<string[]> {
  const families = await keysByFamily();
  const of = (family: string) => families.get(family) ?? new Set<string>();
  const found: string[] = [];
  const workflowIds = new Set<string>();
  const jobIds = new Set<string>();
  const jobNumbers = new Set<string>();
  for (const pipelineId of of("pipeline")) {
    for (const workflow of truthWorkflows(sim.world, pipelineId)) {
      workflowIds.add(workflow.id);
      for (const job of sim.world.state.jobsByWorkflow.get(workflow.id) ?? []) {
        jobIds.add(job.id);
        if (job.job_number != null) jobNumbers.add(`${job.project_slug}#${job.job_number}`);
      }
    }
  }
  for (const id of of("workflow")) if (!workflowIds.has(id)) found.push(`workflow ${id}`);
  for (const id of of("jobs-of")) if (!workflowIds.has(id)) found.push(`jobs-of ${id}`);
  for (const id of of("workflows-of")) if (!of("pipeline").has(id)) found.push(`workflows-of ${id}`);
  for (const id of of("job")) if (!jobIds.has(id)) found.push(`job ${id}`);
  for (const id of of("jobrec")) if (!jobNumbers.has(id)) found.push(`jobrec ${id}`);
  for (const id of await inspector.hkeys(keys.owners)) if (!of("pipeline").has(id) && !workflowIds.has(id) && !jobIds.has(id)) found.push(`owners ${id}`);
  return found;
}

async function listed(url: string, slug: string): Promise<string[]> {
  const { body } = await postBody<{ pipelines: { nodes: { id: string }[] } }>(url, {
    query: "query Ids($slug: String!) { pipelines(projectSlug: $slug, first: 100) { nodes { id } } }",
    variables: { slug },
  });
  return (body.data?.pipelines.nodes ?? []).map(({ id }) => id);
}

describe("SYNC_RETENTION_DAYS with the built CLI on Redis", () => {
  it("removes old finished pipelines with everything under them, keeps live work, and the read path's write-back goes next cycle", async () => {
    await syncOnce(4);
    const stored = (await keysByFamily()).get("pipeline") ?? new Set();
    const cutoff = Date.now() - 2 * DAY_MS;
    const isLive = (id: string) =>
      isPipelineActive(truthWorkflows(sim.world, id).map((w) => ({ status: w.status, jobStatuses: (sim.world.state.jobsByWorkflow.get(w.id) ?? []).map((j) => j.status) })));
    const truth = slugs.flatMap((slug) => truthPipelines(sim.world, slug, 0)).filter(({ id }) => stored.has(id));
    const old = truth.filter((p) => Date.parse(p.created_at) < cutoff && !isLive(p.id));
    expect(old.length).toBeGreaterThan(5);
    expect(stored.has(held)).toBe(true);
    expect(isLive(held)).toBe(true);

    const out = await syncOnce(2);
    expect(out).toMatch(new RegExp(`; ${old.length} expired pipelines removed$`, "m"));
    const kept = truth.filter((p) => !old.includes(p));
    expect((await keysByFamily()).get("pipeline")).toStrictEqual(new Set(kept.map(({ id }) => id)));
    expect(await orphans()).toStrictEqual([]);

    const serve: { run: CliRun; url: string } = await startServeProcess({ ...env, SYNC_BACKFILL_DAYS: "2", SYNC_RETENTION_DAYS: "2", SYNC_INTERVAL_SECONDS: "0" });
    try {
      for (const slug of slugs) {
        expect(new Set(await listed(serve.url, slug))).toStrictEqual(new Set(kept.filter((p) => p.project_slug === slug).map(({ id }) => id)));
      }
      // The oldest: the read path leaves what the sync will still read (its overlap) to the sync.
      const removed = [...old].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at))[0] as (typeof old)[number];
      const calls = sim.counters.total();
      const { body } = await postBody<{ pipeline: { id: string; workflows: { id: string }[] } | null }>(serve.url, {
        query: "query One($id: ID!) { pipeline(id: $id) { id workflows { id jobs { id } } } }",
        variables: { id: removed.id },
      });
      expect(body.data?.pipeline?.id).toBe(removed.id);
      expect(body.data?.pipeline?.workflows.map(({ id }) => id).sort()).toStrictEqual(truthWorkflows(sim.world, removed.id).map(({ id }) => id).sort());
      expect(sim.counters.total()).toBeGreaterThan(calls);
      // The read path stores what it fetched of history (settled, out of the sync's reach): older than the window.
      await waitFor("the fetched pipeline written back", async () => (await inspector.exists(keys.pipeline(keys.projectSlot(removed.project_slug), removed.id))) === 1, 10_000);
    } finally {
      await stopCli(serve.run);
    }

    await syncOnce(2);
    expect((await keysByFamily()).get("pipeline")).toStrictEqual(new Set(kept.map(({ id }) => id)));
    expect(await orphans()).toStrictEqual([]);
  }, 60_000);
});
