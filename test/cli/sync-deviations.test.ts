import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectKey } from "../../src/project-slug.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { jobKey } from "../../src/simulator/state.js";
import { RedisStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/index.js";
import { runCli } from "../support/cli-process.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { compareStoreWithTruth } from "../support/truth.js";

/**
 * `sync --once` (the built CLI) over a world that sends every shape the real API sends beyond its documents, with
 * the projects configured in their long form while CircleCI answers in yet another spelling: the sync finishes,
 * stores the odd records, and loses nothing else.
 */
const DAY_MS = 86_400_000;
const BACKFILL_DAYS = 30;
const JOB_DETAILS = "GET /project/{slug}/job/{number}";

let sim: Simulator;
let redis: TestRedis;
/** The world's slugs: the keys the store must hold each project under. */
let keys: string[];
let orgId: string;

beforeAll(async () => {
  [sim, redis] = await Promise.all([
    startSimulator({ world: { seed: 31, projects: 3, pipelinesPerProject: 24, historyDays: 10, deviations: "all" }, pageSize: 7 }),
    startTestRedis(),
  ]);
  keys = [...sim.world.state.projects.keys()];
  orgId = sim.world.state.projects.get(keys[0] as string)?.organization_id as string;
});

afterAll(async () => {
  await sim?.stop();
  await redis?.stop();
});

/** `gh/...` and `bb/...` configured the long way, as a user may; `circleci/...` has no other form. */
const configured = () => keys.map((slug) => slug.replace(/^gh\//, "github/").replace(/^bb\//, "bitbucket/"));

function syncOnce(prefix: string) {
  return runCli(["sync", "--once"], {
    CIRCLECI_TOKEN: sim.token,
    CIRCLECI_BASE_URL: sim.url,
    CIRCLECI_PROJECT_SLUGS: configured().join(","),
    CIRCLECI_ORG_ID: orgId,
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    SYNC_BACKFILL_DAYS: String(BACKFILL_DAYS),
    CIRCLECI_REQUESTS_PER_SECOND: "1000",
    CIRCLECI_CONCURRENCY: "16",
    LOG_LEVEL: "silent",
  });
}

async function withStore<T>(prefix: string, use: (store: Store) => Promise<T>): Promise<T> {
  const store = new RedisStore({ url: redis.url, prefix });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

const since = () => sim.world.state.now - BACKFILL_DAYS * DAY_MS;
const truthPipelines = () => [...sim.world.state.pipelines.values()].filter((pipeline) => Date.parse(pipeline.created_at) >= since());

describe("sync --once over a world with every deviation on (built CLI)", () => {
  it("exits 0 with every odd record stored under its project's key, and the store equal to CircleCI", async () => {
    expect(sim.world.deviations).toEqual({ nullProviderName: true, nullActionFields: true, bareBuilds: true, startedApprovals: true, respelledSlugs: true });
    const prefix = "cli-deviations:";
    const run = syncOnce(prefix);
    expect(await run.exited, run.stdout() + run.stderr()).toBe(0);
    for (const key of keys) expect(run.stdout()).toMatch(new RegExp(`^pipelines ${key.replaceAll("/", "\\/")}: \\d+ records`, "m"));
    expect(run.stdout()).not.toMatch(/rejected|FAILED/);

    await withStore(prefix, async (store) => {
      expect(await compareStoreWithTruth(store, sim.world, { projectSlugs: keys, since: since(), orgId })).toEqual([]);

      // Answers spelled `github/Acme/...`, asked as `github/acme/...`: one project, under its key.
      const projects = await store.getProjects(keys);
      expect(projects.map((project) => project?.project?.slug)).toEqual(keys);
      const stored = (
        await Promise.all(keys.map(async (key) => store.getPipelines((await store.listPipelineIds(key, { first: 100 })).ids)))
      ).flat();
      expect(stored.length).toBe(truthPipelines().length);
      expect(stored.every((pipeline) => pipeline !== undefined && keys.includes(pipeline.project_slug))).toBe(true);

      // vcs.provider_name: null.
      const nullProviders = truthPipelines().filter((pipeline) => pipeline.vcs?.provider_name === null).length;
      expect(nullProviders).toBeGreaterThan(0);
      // The store keeps no nulls: a provider CircleCI sent as null is stored absent (and served as null).
      expect(stored.filter((pipeline) => pipeline?.vcs != null && pipeline.vcs.provider_name == null)).toHaveLength(nullProviders);

      // Approval jobs with a started_at.
      const workflowIds = (await store.workflowIdsOf(stored.map((pipeline) => pipeline?.id ?? ""))).flat();
      const jobs = (await store.getJobsOf(workflowIds)).flatMap((list) => list ?? []);
      expect(jobs.filter((job) => job.type === "approval" && typeof job.started_at === "string").length).toBeGreaterThan(0);

      // v1.1 builds without build_num and steps: the job's details with no steps; built-in steps with null fields.
      const numbered = [...new Set(jobs.flatMap((job) => (job.type === "build" && job.job_number != null ? [`${job.project_slug}#${job.job_number}`] : [])))];
      const records = (await store.getJobRecords(numbered.map((id) => ({ projectSlug: id.split("#")[0] as string, number: Number(id.split("#")[1]) })))).flatMap(
        (record) => (record === undefined ? [] : [record]),
      );
      const bare = records.filter((record) => {
        const build = sim.world.state.builds.get(jobKey(record.projectSlug, record.number));
        return build !== undefined && !("build_num" in build) && record.steps !== undefined;
      });
      expect(bare.length).toBeGreaterThan(0);
      expect(bare.every((record) => record.steps?.length === 0)).toBe(true);
      // Built-in steps whose actions CircleCI sent with null fields were kept, every action of them, not left out (the
      // store keeps only the fields served, so the nulls themselves are not there to see).
      const actionsOf = (steps: readonly { actions?: unknown[] | null }[] | undefined) => (steps ?? []).reduce((sum, step) => sum + (step.actions ?? []).length, 0);
      const withNullActions = records.flatMap((record) => {
        const build = sim.world.state.builds.get(jobKey(record.projectSlug, record.number)) as { steps?: { actions?: Record<string, unknown>[] }[] } | undefined;
        const odd = (build?.steps ?? []).some((step) => (step.actions ?? []).some((action) => action.step === null && action.has_output === null));
        return odd && record.steps !== undefined ? [{ record, build }] : [];
      });
      expect(withNullActions.length).toBeGreaterThan(0);
      expect(withNullActions.every(({ record, build }) => actionsOf(record.steps) === actionsOf(build?.steps))).toBe(true);

      const status = await store.getSyncStatus();
      expect(status.streams.filter((stream) => stream.lastError !== undefined || stream.rejected !== undefined)).toEqual([]);
      expect(new Set(status.streams.flatMap((stream) => stream.projectSlug ?? []))).toEqual(new Set(keys.map(projectKey)));
    });
  });

  it("leaves out job details answered in a shape it cannot read, without a retry or the breaker, and still exits 0", async () => {
    const prefix = "cli-deviations-rejected:";
    // More rejections than failures that open the breaker (5): were they failures, the rest of the cycle would stop.
    sim.inject({ kind: "wrong-shape", endpoint: JOB_DETAILS, count: 6 });
    sim.counters.reset();
    const run = syncOnce(prefix);
    expect(await run.exited, run.stdout() + run.stderr()).toBe(0);
    const reported = [...run.stdout().matchAll(/^job_details \S+: \d+ records, \d+ pages, (\d+) rejected \(last: GET \/project\/\{slug\}\/job\/\{number\}: job \d+ in project \S+: /gm)];
    expect(reported.reduce((sum, [, count]) => sum + Number(count), 0)).toBe(6);

    await withStore(prefix, async (store) => {
      const statuses = (await store.getSyncStatus()).streams.filter((stream) => stream.stream === "job_details");
      expect(statuses.reduce((sum, stream) => sum + (stream.rejected ?? 0), 0)).toBe(6);
      expect(statuses.every((stream) => stream.lastError === undefined)).toBe(true);
      // Each job's details asked for once: the six rejected ones were not asked again.
      const written = statuses.reduce((sum, stream) => sum + stream.records, 0);
      expect(sim.counters.byEndpoint()[JOB_DETAILS]).toBe(written + 6);
      // Nothing but those six is missing.
      const differences = await compareStoreWithTruth(store, sim.world, { projectSlugs: keys, since: since(), orgId });
      expect(differences).toHaveLength(6);
      for (const difference of differences) expect(difference).toMatch(/^job record \S+ #\d+ details: missing from the store$/);
    });
  });
});
