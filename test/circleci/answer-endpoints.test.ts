import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/circleci/index.js";
import type { Pipeline, RecordRejection } from "../../src/circleci/index.js";
import { testResultSchema } from "../../src/circleci/schemas.js";
import { testResultsOf } from "../../src/simulator/test-results.js";
import { createWorld } from "../../src/simulator/world.js";
import { NOW } from "../support/simulator-client.js";
import { collect } from "./support/collect.js";
import { sendJson, useFakeCircleCI } from "./support/fake-circleci.js";
import { useSimulatedCircleCI } from "./support/simulated-circleci.js";

/**
 * The client's test results and organization pipeline feed against the simulator over loopback, in pages
 * of 3; and, against a scripted server, how tolerant the test result items are.
 */

const setUpSimulated = useSimulatedCircleCI();
let rejected: RecordRejection[] = [];

async function setUp(projects = 2) {
  rejected = [];
  const world = createWorld({ seed: 7, now: NOW, projects, pipelinesPerProject: 12 });
  const { sim, client } = await setUpSimulated({ onRecordRejected: (rejection) => rejected.push(rejection) }, { world, pageSize: 3 });
  return { sim, client, state: sim.world.state };
}

describe("test results", () => {
  it("walks every build job's results lazily, page by page, exactly as the simulator serves them", async () => {
    const { sim, client, state } = await setUp();
    let withFailures = 0;
    let pagesExpected = 0;
    for (const job of state.jobDetails.values()) {
      const truth = testResultsOf(job.project.slug, job);
      expect(await collect(client.listTestResults(job.project.slug, job.number))).toEqual(truth);
      if (truth.some((test) => test.result === "failure")) withFailures += 1;
      pagesExpected += Math.max(1, Math.ceil(truth.length / 3));
    }
    expect(withFailures).toBeGreaterThan(0);
    expect(sim.counters.byEndpoint()["GET /project/{slug}/{number}/tests"]).toBe(pagesExpected);
    expect(rejected).toEqual([]);
  });

  it("stops fetching when the consumer stops", async () => {
    const { sim, client, state } = await setUp();
    const job = [...state.jobDetails.values()].find((candidate) => testResultsOf(candidate.project.slug, candidate).length > 6);
    expect(job).toBeDefined();
    for await (const _test of client.listTestResults(job?.project.slug as string, job?.number as number)) break;
    expect(sim.counters.byEndpoint()["GET /project/{slug}/{number}/tests"]).toBe(1);
  });

  it("says which job it could not find", async () => {
    const { client, state } = await setUp();
    const [slug = ""] = state.projects.keys();
    await expect(collect(client.listTestResults(slug, 999_999))).rejects.toThrow(NotFoundError);
    await expect(collect(client.listTestResults(slug, 999_999))).rejects.toThrow(`job 999999 in project ${slug}`);
  });
});

describe("the organization's pipeline feed", () => {
  it("lists every project's pipelines of the org, newest first, and mine=true keeps the token user's", async () => {
    const { client, state, sim } = await setUp(6);
    for (const org of state.orgs.values()) {
      const truth = [...state.pipelines.values()]
        .filter((pipeline) => state.projects.get(pipeline.project_slug)?.organization_slug === org.slug)
        .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
      const listed = await collect(client.listOrgPipelines(org.slug));
      expect(listed).toEqual(truth);
      expect(new Set(listed.map((pipeline) => pipeline.project_slug)).size).toBe(2);
      const mine = await collect(client.listOrgPipelines(org.slug, { mine: true }));
      expect(mine).toEqual(truth.filter((pipeline) => pipeline.trigger.actor.login === sim.world.me.login));
    }
    expect(rejected).toEqual([]);
  });

  it("pages lazily, so a walk that stops at old enough pipelines reads no further", async () => {
    const { client, state, sim } = await setUp(6);
    const org = [...state.orgs.values()][0];
    const pages: Pipeline[][] = [];
    for await (const page of client.orgPipelinePages(org?.slug as string)) {
      pages.push(page.items);
      if (pages.length === 2) break;
    }
    expect(pages.map((items) => items.length)).toEqual([3, 3]);
    expect(sim.counters.byEndpoint()["GET /pipeline"]).toBe(2);
  });

  it("says which organization does not exist", async () => {
    const { client } = await setUp();
    await expect(collect(client.listOrgPipelines("gh/nobody-here"))).rejects.toThrow(NotFoundError);
    await expect(collect(client.listOrgPipelines("gh/nobody-here"))).rejects.toThrow("organization gh/nobody-here");
  });
});

describe("test result items", () => {
  const setUpFake = useFakeCircleCI();
  const passing = { message: null, source: "jest", run_time: 0.12, file: "test/a.test.ts", result: "success", name: "works", classname: "A" };

  it("accept a message that is null or absent, and require every other field the spec requires", () => {
    expect(testResultSchema.safeParse(passing).success).toBe(true);
    const { message: _message, ...withoutMessage } = passing;
    expect(testResultSchema.parse(withoutMessage)).toEqual(withoutMessage);
    expect(testResultSchema.parse({ ...passing, result: "a-new-result", extra: 1 })).toEqual({ ...passing, result: "a-new-result" });
    for (const field of ["source", "run_time", "file", "result", "name", "classname"] as const) {
      const { [field]: _dropped, ...without } = passing;
      expect(testResultSchema.safeParse(without).success).toBe(false);
      expect(testResultSchema.safeParse({ ...passing, [field]: null }).success).toBe(false);
    }
  });

  it("skip a bad item without failing its page, and yield a result listed twice word for word once", async () => {
    const rejections: RecordRejection[] = [];
    const retried = { ...passing, result: "failure", message: "flaked", run_time: 0.5 };
    const { client } = await setUpFake(
      (_req, res) => sendJson(res, 200, { items: [passing, { ...passing, name: null }, retried, passing], next_page_token: null }),
      { onRecordRejected: (rejection) => rejections.push(rejection) },
    );
    expect(await collect(client.listTestResults("gh/acme/api", 12))).toEqual([passing, retried]);
    const expected = { endpoint: "GET /project/{slug}/{number}/tests", record: "an item without an id", issues: expect.stringContaining("name") };
    expect(rejections).toEqual([expected]);
    expect(client.stats.rejectedRecords).toBe(1);
  });
});
