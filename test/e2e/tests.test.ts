import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flakyTestsOf } from "../../src/answers/index.js";
import type { InsightWindow, WorkflowRun } from "../../src/answers/index.js";
import type { TestResult } from "../../src/circleci/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import type { JobDetailWire } from "../../src/simulator/model.js";
import { RedisStore } from "../../src/store/index.js";
import { isTerminalJobStatus } from "../../src/sync/index.js";
import { FlakyTestsDocument, JobTestsDocument } from "../generated/graphql.js";
import type { FlakyTestsQuery, JobTestsQuery } from "../generated/graphql.js";
import { truthPipelines, truthRunsOf } from "../support/answers-truth.js";
import { runCli, sharedRedisEnv } from "../support/cli-process.js";
import type { TestRedis } from "../support/redis-server.js";
import { compareRedisWithTruth, truthTestResults } from "../support/truth.js";
import { waitFor } from "../server/wait-for.js";
import { dataOfServe, startSyncedServe, stopSyncedServe } from "./synced-serve.js";
import type { SyncedServe } from "./synced-serve.js";

/**
 * Test results and flaky tests from the built `serve` over a cache the built `sync --once` filled, checked against
 * the simulated CircleCI's own results (`testResultsOf`) and the flaky tests' definition over its own runs (never
 * over the store). Seed 48's history holds failed jobs whose rerun on the same revision passed.
 */
const DAY_MS = 86_400_000;
const TESTS_ENDPOINT = "GET /project/{slug}/{number}/tests";
const WORLD = { seed: 48, projects: 2, pipelinesPerProject: 40, historyDays: 6 };
let sim: Simulator;
let redis: TestRedis;
let serve: { url: string };
let slugs: string[];
let env: NodeJS.ProcessEnv;
let rig: SyncedServe | undefined;
const PREFIX = "e2e-tests:";

beforeAll(async () => {
  rig = await startSyncedServe(WORLD, PREFIX);
  ({ sim, redis, serve, slugs, env } = rig);
}, 60_000);

afterAll(() => stopSyncedServe(rig));

const dataOf = <TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables) => dataOfServe(serve.url, document, variables);

function testRequests(): number {
  return sim.counters.byEndpoint()[TESTS_ENDPOINT] ?? 0;
}

/** The world's build jobs of a project whose status passes `is`. */
function worldJobs(slug: string, is: (status: string) => boolean): JobDetailWire[] {
  return [...sim.world.state.jobDetails.values()].filter((job) => job.project.slug === slug && is(job.status));
}

const failed = (status: string) => status === "failed";

/** The world's runs of a project whose pipelines were created since `since`, each build job with its results. */
function truthRuns(slug: string, since: number): WorkflowRun[] {
  return truthRunsOf(sim.world, slug, truthPipelines(sim.world, slug, since), { tests: true });
}

/** The definition's answer as the gateway serves it: timestamps as ISO instants to the millisecond. */
function truthFlakyTests(slug: string, window: InsightWindow): FlakyTestsQuery["flakyTests"] {
  return flakyTestsOf({ window, runs: truthRuns(slug, window.start) }).map((flaky) => ({ ...flaky, lastFlakedAt: new Date(flaky.lastFlakedAt).toISOString() }));
}

type ServedTest = NonNullable<JobTestsQuery["job"]>["tests"][number];

/** Results in the gateway's shape, by what each says (CircleCI promises no order). */
function asServed(tests: readonly TestResult[]): ServedTest[] {
  return sorted(tests.map((test) => ({ name: test.name, classname: test.classname, file: test.file, result: test.result, message: test.message ?? null, runTimeSeconds: test.run_time })));
}

function sorted(tests: readonly ServedTest[]): ServedTest[] {
  const id = (test: ServedTest) => `${test.classname ?? ""}\u0000${test.name}`;
  return [...tests].sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
}

async function servedTests(slug: string, number: number): Promise<ServedTest[]> {
  const { job } = await dataOf(JobTestsDocument, { projectSlug: slug, number });
  if (job === null) throw new Error(`no job ${slug} #${number}`);
  return sorted(job.tests);
}

describe("the tests stream", () => {
  it("stored every failed job's results, equal to CircleCI's, and reports its status", async () => {
    expect(await compareRedisWithTruth({ url: redis.url, prefix: PREFIX }, sim.world, { projectSlugs: slugs, since: Date.now() - 30 * DAY_MS })).toEqual([]);
    const status = await fetch(serve.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ syncStatus { streams { stream projectSlug records lastSuccessAt } } }" }) });
    const { data } = (await status.json()) as { data: { syncStatus: { streams: { stream: string; projectSlug: string | null; records: number; lastSuccessAt: string | null }[] } } };
    const streams = data.syncStatus.streams.filter((stream) => stream.stream === "tests");
    expect(streams.map((stream) => stream.projectSlug).sort()).toEqual(slugs);
    expect(streams.every((stream) => stream.lastSuccessAt !== null)).toBe(true);
    const failedJobs = slugs.reduce((sum, slug) => sum + worldJobs(slug, failed).length, 0);
    expect(streams.reduce((sum, stream) => sum + stream.records, 0)).toBe(failedJobs);
  });

  it("never reads a job's results again once stored: the next cycle asks for none", async () => {
    const before = testRequests();
    const run = runCli(["sync", "--once"], env);
    expect(await run.exited).toBe(0);
    expect(testRequests()).toBe(before);
    expect([...run.stdout().matchAll(/^tests \S+: 0 records, 0 pages$/gm)]).toHaveLength(slugs.length);
  });

  it("with SYNC_TESTS=all also stores the results of the jobs that passed", async () => {
    const prefix = "e2e-tests-all:";
    const run = runCli(["sync", "--once", "--sync-tests", "all"], sharedRedisEnv({ sim, slugs, redisUrl: redis.url, prefix }));
    expect(await run.exited).toBe(0);
    const finished = slugs.reduce((sum, slug) => sum + worldJobs(slug, isTerminalJobStatus).length, 0);
    expect(finished).toBeGreaterThan(slugs.reduce((sum, slug) => sum + worldJobs(slug, failed).length, 0));
    // One line per project, none with a 404 (no approval job asked) or a rejected result.
    const reported = [...run.stdout().matchAll(/^tests \S+: (\d+) records, (\d+) pages$/gm)].map((match) => Number(match[1]));
    expect(reported).toHaveLength(slugs.length);
    expect(reported.reduce((sum, records) => sum + records, 0)).toBe(finished);
    const since = Date.now() - 30 * DAY_MS;
    expect(await compareRedisWithTruth({ url: redis.url, prefix }, sim.world, { projectSlugs: slugs, since, syncTests: "all" })).toEqual([]);
  });
});

describe("JobDetail.tests", () => {
  it("answers a failed job's results from the store, with no call to CircleCI", async () => {
    const slug = slugs[0] as string;
    const [job] = worldJobs(slug, failed);
    if (job === undefined) throw new Error("the world has no failed job");
    const before = testRequests();
    const tests = await servedTests(slug, job.number);
    expect(tests).toEqual(asServed(truthTestResults(slug, job)));
    expect(tests.some((test) => test.result === "failure" && test.message !== null)).toBe(true);
    expect(testRequests()).toBe(before);
  });

  it("fetches a passed job's results (not synced by default) on the first query, once, then serves them from the store", async () => {
    const slug = slugs[1] as string;
    const [passed] = worldJobs(slug, (status) => status === "success");
    if (passed === undefined) throw new Error("the world has no successful job");
    const key = { projectSlug: slug, number: passed.number };
    const store = new RedisStore({ url: redis.url, prefix: PREFIX });
    try {
      expect((await store.getJobRecords([key]))[0]?.tests).toBeUndefined();
      const before = testRequests();
      const truth = asServed(truthTestResults(slug, passed));
      expect(await servedTests(slug, passed.number)).toEqual(truth);
      expect(testRequests()).toBe(before + 1);
      await waitFor("the results written back into the job's record", async () => (await store.getJobRecords([key]))[0]?.tests !== undefined);
      expect(await servedTests(slug, passed.number)).toEqual(truth);
      expect(testRequests()).toBe(before + 1);
    } finally {
      await store.close();
    }
  });

  it("is empty for a job that has not finished, without asking CircleCI", async () => {
    const running = slugs.flatMap((slug) => worldJobs(slug, (status) => !isTerminalJobStatus(status)));
    expect(running.length).toBeGreaterThan(0);
    const before = testRequests();
    for (const job of running.slice(0, 3)) expect(await servedTests(job.project.slug, job.number)).toEqual([]);
    expect(testRequests()).toBe(before);
  });
});

describe("flakyTests", () => {
  it("equals the definition over CircleCI's own runs, for the default window and a shorter one", async () => {
    let flaky = 0;
    for (const slug of slugs) {
      const { flakyTests } = await dataOf(FlakyTestsDocument, { projectSlug: slug });
      expect(flakyTests).toEqual(truthFlakyTests(slug, { start: Date.now() - 30 * DAY_MS, end: Date.now() }));
      flaky += flakyTests.length;
      const since = Date.now() - 3 * DAY_MS;
      const recent = await dataOf(FlakyTestsDocument, { projectSlug: slug, since: new Date(since).toISOString() });
      expect(recent.flakyTests).toEqual(truthFlakyTests(slug, { start: since, end: Date.now() }));
    }
    expect(flaky).toBeGreaterThan(0);
  });

  it("asks CircleCI nothing: the failed jobs' results are in the store", async () => {
    const before = testRequests();
    const total = sim.counters.total();
    const endpoints = sim.counters.byEndpoint();
    for (const slug of slugs) await dataOf(FlakyTestsDocument, { projectSlug: slug, since: new Date(Date.now() - 5 * DAY_MS).toISOString() });
    expect(testRequests()).toBe(before);
    expect(sim.counters.byEndpoint()).toEqual(endpoints);
    expect(sim.counters.total()).toBe(total);
  });
});
