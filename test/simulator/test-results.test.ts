import { afterEach, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import type { JobDetailWire, WorkflowJobWire, WorkflowWire } from "../../src/simulator/model.js";
import { jobKey } from "../../src/simulator/state.js";
import type { SimState } from "../../src/simulator/state.js";
import type { TestResultWire } from "../../src/simulator/test-results.js";
import { createWorld } from "../../src/simulator/world.js";
import type { World } from "../../src/simulator/world.js";
import { get, walkPages } from "./http.js";

/** `GET /project/{slug}/{job-number}/tests` over HTTP, pages of 3, against a generated world. */

const NOW = Date.parse("2025-06-01T12:00:00.000Z");
let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function serve(world: World): Promise<Simulator> {
  sim = await startSimulator({ world, pageSize: 3 });
  return sim;
}

async function testsOf(s: Simulator, slug: string, jobNumber: number): Promise<{ items: TestResultWire[]; pages: number }> {
  const { items, pages } = await walkPages<TestResultWire>(`${s.url}/api/v2/project/${slug}/${jobNumber}/tests`, {}, { "circle-token": s.token });
  return { items, pages: pages.length };
}

function buildJobs(state: SimState): JobDetailWire[] {
  return [...state.jobDetails.values()];
}

/** A failed build job whose workflow later ran the same job name again in the same pipeline, and passed. */
function flakyPair(state: SimState): { failed: WorkflowJobWire; passed: WorkflowJobWire; slug: string } | undefined {
  for (const workflowIds of state.workflowsByPipeline.values()) {
    const workflows = workflowIds.map((id) => state.workflows.get(id) as WorkflowWire);
    for (const [index, workflow] of workflows.entries()) {
      for (const failed of state.jobsByWorkflow.get(workflow.id) ?? []) {
        if (failed.status !== "failed") continue;
        const passed = workflows
          .slice(index + 1)
          .filter((later) => later.name === workflow.name)
          .flatMap((later) => state.jobsByWorkflow.get(later.id) ?? [])
          .find((job) => job.name === failed.name && job.status === "success" && job.id !== failed.id);
        if (passed) return { failed, passed, slug: workflow.project_slug };
      }
    }
  }
  return undefined;
}

describe("test results", () => {
  it("answers every build job: all passed for a success, failures with messages for a failure, nothing otherwise", async () => {
    const world = createWorld({ seed: 7, now: NOW, projects: 2, pipelinesPerProject: 14 });
    const s = await serve(world);
    const seen = { success: 0, failed: 0, none: 0, paged: 0 };
    for (const job of buildJobs(world.state)) {
      const slug = job.project.slug;
      const { items, pages } = await testsOf(s, slug, job.number);
      if (pages > 1) seen.paged += 1;
      for (const item of items) {
        expect(Object.keys(item).sort()).toEqual(["classname", "file", "message", "name", "result", "run_time", "source"]);
        expect(item.run_time).toBeGreaterThanOrEqual(0);
      }
      const failures = items.filter((item) => item.result === "failure");
      if (job.status === "success") {
        seen.success += 1;
        expect(items.length).toBeGreaterThanOrEqual(3);
        expect(failures).toEqual([]);
        expect(items.every((item) => item.message === null)).toBe(true);
      } else if (job.status === "failed") {
        seen.failed += 1;
        expect(failures.length).toBeGreaterThanOrEqual(1);
        expect(failures.every((item) => typeof item.message === "string" && item.message.length > 0)).toBe(true);
      } else {
        seen.none += 1;
        expect(items).toEqual([]);
      }
    }
    expect(seen.success).toBeGreaterThan(20);
    expect(seen.failed).toBeGreaterThan(0);
    expect(seen.none).toBeGreaterThan(0);
    expect(seen.paged).toBeGreaterThan(0);
  });

  it("runs the same suite for every run of a job name in a project", async () => {
    const world = createWorld({ seed: 7, now: NOW, projects: 1, pipelinesPerProject: 20 });
    const s = await serve(world);
    const suites = new Map<string, string[]>();
    for (const job of buildJobs(world.state).filter((candidate) => candidate.status === "success" || candidate.status === "failed")) {
      const { items } = await testsOf(s, job.project.slug, job.number);
      const suite = items.map((item) => `${item.classname} ${item.name} ${item.file}`);
      const known = suites.get(job.name);
      if (known === undefined) suites.set(job.name, suite);
      else expect(suite).toEqual(known);
    }
    expect(suites.size).toBeGreaterThan(2);
  });

  it("makes tests flaky: what failed in a job passes when a rerun of it on the same revision succeeds", async () => {
    const world = createWorld({ seed: 1, now: NOW });
    const pair = flakyPair(world.state);
    expect(pair).toBeDefined();
    const { failed, passed, slug } = pair as NonNullable<typeof pair>;
    const s = await serve(world);
    const before = await testsOf(s, slug, failed.job_number as number);
    const after = await testsOf(s, slug, passed.job_number as number);
    const failedNames = before.items.filter((item) => item.result === "failure").map((item) => `${item.classname} ${item.name}`);
    expect(failedNames.length).toBeGreaterThan(0);
    const resultAfter = new Map(after.items.map((item) => [`${item.classname} ${item.name}`, item.result]));
    for (const name of failedNames) expect(resultAfter.get(name)).toBe("success");
  });

  it("answers 404 for a job with no details (unknown, or an approval) and for a project the token cannot see", async () => {
    const world = createWorld({ seed: 7, now: NOW, projects: 1, pipelinesPerProject: 10 });
    const s = await serve(world);
    const [slug = ""] = world.state.projects.keys();
    const auth = { "circle-token": s.token };
    const approval = [...world.state.jobsByWorkflow.values()].flat().find((job) => job.type === "approval" && job.job_number !== undefined);
    expect(approval).toBeDefined();
    expect(world.state.jobDetails.has(jobKey(slug, approval?.job_number as number))).toBe(false);
    for (const number of [999_999, approval?.job_number as number]) {
      const answer = await get(`${s.url}/api/v2/project/${slug}/${number}/tests`, auth);
      expect(answer.status).toBe(404);
      expect(answer.json()).toEqual({ message: "Job not found" });
    }
    const [job] = buildJobs(world.state);
    world.setProjectHidden(slug, true);
    expect((await get(`${s.url}/api/v2/project/${slug}/${job?.number}/tests`, auth)).json()).toEqual({ message: "Project not found" });
  });
});
