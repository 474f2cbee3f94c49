import { describe, expect, it } from "vitest";
import type { WorkflowJobWire, WorkflowWire } from "../../src/simulator/model.js";
import { InvalidActionError, UnknownResourceError, createWorld, type World } from "../../src/simulator/world.js";
import { failedWorkflow, ghSlug, jobsOf, workflowsOf } from "./world-fixtures.js";
import { inconsistencies, serialize } from "./world-inspection.js";

const NOW = Date.UTC(2024, 2, 11, 15, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const FAILED = new Set(["failed", "infrastructure_fail", "timedout", "terminated-unknown"]);

/** How far along a job is; a job's rank never goes down. */
const RANK: Record<string, number> = { blocked: 0, queued: 1, on_hold: 1, running: 2 };
const rankOf = (status: string): number => RANK[status] ?? 3;

function smallWorld(options: Parameters<typeof createWorld>[0] = {}): World {
  return createWorld({ now: NOW, projects: 3, pipelinesPerProject: 3, historyDays: 1, ...options });
}

/** Advances in `stepMs` steps, calling `observe` after each, until `totalMs` have passed. */
function walk(world: World, totalMs: number, stepMs: number, observe: () => void): void {
  for (let passed = 0; passed < totalMs; passed += stepMs) {
    world.advance(Math.min(stepMs, totalMs - passed));
    observe();
  }
}

describe("triggerPipeline", () => {
  it("adds a pipeline newest first with the next number, its jobs blocked or queued", () => {
    const world = smallWorld();
    const slug = ghSlug(world);
    const before = world.state.pipelines.get(world.state.pipelinesByProject.get(slug)?.[0] ?? "");
    const pipeline = world.triggerPipeline(slug.replace(/^gh/, "github"), { branch: "feature/x" });
    expect(world.state.pipelinesByProject.get(slug)?.[0]).toBe(pipeline.id);
    expect(pipeline.number).toBe((before?.number ?? 0) + 1);
    expect(pipeline.project_slug).toBe(slug);
    expect(pipeline.state).toBe("created");
    expect(Date.parse(pipeline.created_at)).toBe(world.state.now);
    expect(pipeline.vcs?.branch).toBe("feature/x");
    const workflows = workflowsOf(world, pipeline.id);
    expect(workflows.length).toBeGreaterThanOrEqual(1);
    expect(workflows.length).toBeLessThanOrEqual(3);
    const statuses = new Set(workflows.flatMap((w) => jobsOf(world, w.id).map((j) => j.status)));
    expect([...statuses].every((s) => s === "blocked" || s === "queued")).toBe(true);
    expect(statuses).toContain("queued");
    expect(inconsistencies(world.state)).toEqual([]);
  });

  it("honours tag, trigger and errored options", () => {
    const world = smallWorld();
    const slug = ghSlug(world);
    const tagged = world.triggerPipeline(slug, { tag: "v9.9.9", trigger: "api" });
    expect(tagged.vcs?.tag).toBe("v9.9.9");
    expect(tagged.vcs && "branch" in tagged.vcs).toBe(false);
    expect(tagged.vcs && "commit" in tagged.vcs).toBe(false);
    expect(tagged.trigger.type).toBe("api");
    const errored = world.triggerPipeline(slug, { errored: true });
    expect(errored.state).toBe("errored");
    expect(errored.errors.length).toBeGreaterThan(0);
    expect(world.state.workflowsByPipeline.get(errored.id)).toEqual([]);
    expect(() => world.triggerPipeline("gh/nobody/nothing")).toThrow(UnknownResourceError);
  });
});

describe("advance", () => {
  it("moves every job forward only, numbering it exactly when it is queued, mirrored everywhere", () => {
    const world = smallWorld();
    const pipeline = world.triggerPipeline(ghSlug(world));
    const seen = new Map<string, { rank: number; number: number | undefined }>();
    const transitions = new Set<string>();
    walk(world, 4 * HOUR, 20_000, () => {
      expect(inconsistencies(world.state)).toEqual([]);
      for (const workflow of workflowsOf(world, pipeline.id)) {
        for (const job of jobsOf(world, workflow.id)) {
          const key = `${workflow.id}/${job.id}`;
          const previous = seen.get(key);
          const rank = rankOf(job.status);
          if (previous) {
            expect(rank, `${job.name} went from rank ${previous.rank} to ${job.status}`).toBeGreaterThanOrEqual(previous.rank);
            if (previous.number !== undefined) expect(job.job_number).toBe(previous.number);
            if (previous.rank !== rank) transitions.add(`${previous.rank}->${rank}`);
          }
          seen.set(key, { rank, number: job.job_number });
        }
      }
    });
    expect(transitions).toContain("1->2");
    expect(transitions).toContain("2->3");
    expect(workflowsOf(world, pipeline.id).every((w) => w.stopped_at !== null)).toBe(true);
  });

  it("creates no pipelines by itself unless activity is configured, and then newest first", () => {
    const quiet = smallWorld();
    const quietCount = quiet.state.pipelines.size;
    quiet.advance(DAY);
    expect(quiet.state.pipelines.size).toBe(quietCount);

    const busy = smallWorld({ activity: { pipelineEveryMs: 10 * MINUTE } });
    const busyCount = busy.state.pipelines.size;
    busy.advance(2 * HOUR);
    expect(busy.state.pipelines.size).toBeGreaterThan(busyCount + 10);
    for (const slug of busy.state.projects.keys()) {
      const newest = busy.state.pipelines.get(busy.state.pipelinesByProject.get(slug)?.[0] ?? "");
      expect(Date.parse(newest?.created_at ?? "")).toBeGreaterThan(NOW);
    }
    expect(inconsistencies(busy.state)).toEqual([]);
  });

  it("applies one large step exactly as many small ones", () => {
    const options = { seed: 5, activity: { pipelineEveryMs: 20 * MINUTE, rerunChance: 0.5 } };
    const large = smallWorld(options);
    const small = smallWorld(options);
    large.advance(2 * DAY);
    walk(small, 2 * DAY, 7_919, () => undefined);
    expect(small.state.now).toBe(large.state.now);
    expect(serialize(small.state)).toBe(serialize(large.state));
  });

  it("rejects a negative or non-finite duration", () => {
    const world = smallWorld();
    expect(() => world.advance(-1)).toThrow(RangeError);
    expect(() => world.advance(Number.NaN)).toThrow(RangeError);
  });
});

describe("workflow status", () => {
  it("turns failing while other jobs still run, ends failed, and leaves dependants of a failure blocked", () => {
    const world = smallWorld({ seed: 3, activity: { pipelineEveryMs: 5 * MINUTE } });
    const failingSeen = new Set<string>();
    walk(world, 12 * HOUR, 15_000, () => {
      for (const workflow of world.state.workflows.values()) {
        if (workflow.status !== "failing") continue;
        const jobs = jobsOf(world, workflow.id);
        expect(jobs.some((j) => FAILED.has(j.status))).toBe(true);
        expect(jobs.some((j) => ["queued", "running", "on_hold", "blocked"].includes(j.status))).toBe(true);
        failingSeen.add(workflow.id);
      }
    });
    expect(failingSeen.size).toBeGreaterThan(0);
    for (const id of failingSeen) {
      const workflow = world.state.workflows.get(id) as WorkflowWire;
      // A user may still cancel a failing workflow; only those left to finish must end failed.
      if (workflow.stopped_at === null || workflow.status === "canceled") continue;
      expect(workflow.status).toBe("failed");
      const jobs = jobsOf(world, id);
      const failedIds = new Set(jobs.filter((j) => FAILED.has(j.status)).map((j) => j.id));
      for (const job of jobs.filter((j) => j.dependencies.some((d) => failedIds.has(d)))) {
        expect(job.status).toBe("blocked");
        expect("job_number" in job).toBe(false);
      }
    }
  });

  it("holds a never-resolving approval for days, until approve releases its dependants", () => {
    const world = smallWorld();
    const pipeline = world.triggerPipeline(ghSlug(world), { holdForApproval: true });
    world.advance(3 * HOUR);
    const [held] = workflowsOf(world, pipeline.id);
    if (!held) throw new Error("no workflow");
    expect(held.status).toBe("on_hold");
    expect(held.stopped_at).toBeNull();
    const approval = jobsOf(world, held.id).find((j) => j.type === "approval") as WorkflowJobWire;
    expect(approval.status).toBe("on_hold");
    expect(approval.job_number).toBeTypeOf("number");
    expect(world.state.jobDetails.has(`${approval.project_slug}#${approval.job_number}`)).toBe(false);

    world.advance(30 * DAY);
    expect(held.status).toBe("on_hold");
    expect(approval.status).toBe("on_hold");

    expect(() => world.approve(held.id, "00000000-0000-4000-8000-000000000000")).toThrow(UnknownResourceError);
    world.approve(held.id, approval.approval_request_id as string);
    expect(approval.status).toBe("success");
    expect(approval.approved_by).toBe(world.me.id);
    const dependants = jobsOf(world, held.id).filter((j) => j.dependencies.includes(approval.id));
    expect(dependants.length).toBeGreaterThan(0);
    expect(dependants.every((j) => j.status === "queued" && j.job_number !== undefined)).toBe(true);
    expect(held.status).toBe("running");
    expect(() => world.approve(held.id, approval.id)).toThrow(InvalidActionError);

    world.advance(3 * HOUR);
    expect(held.status).toBe("success");
    expect(() => world.approve(held.id, approval.id)).toThrow(InvalidActionError);
    expect(() => world.approve("no-such-workflow", approval.id)).toThrow(UnknownResourceError);
    expect(inconsistencies(world.state)).toEqual([]);
  });
});

describe("rerunWorkflow", () => {
  it("from failed adds a same-named workflow carrying successful jobs over under their ids", () => {
    const world = smallWorld();
    const failed = failedWorkflow(world);
    const original = jobsOf(world, failed.id);
    const rerun = world.rerunWorkflow(failed.id, { fromFailed: true });
    expect(rerun.name).toBe(failed.name);
    expect(rerun.pipeline_id).toBe(failed.pipeline_id);
    expect(rerun.started_by).toBe(world.me.id);
    expect(world.state.workflowsByPipeline.get(failed.pipeline_id)?.at(-1)).toBe(rerun.id);
    const rerunJobs = jobsOf(world, rerun.id);
    expect(rerunJobs.map((j) => j.name).sort()).toEqual(original.map((j) => j.name).sort());
    for (const job of original) {
      const again = rerunJobs.find((j) => j.name === job.name) as WorkflowJobWire;
      if (job.status === "success") {
        expect(again.id).toBe(job.id);
        expect(again.job_number).toBe(job.job_number);
        if (job.type === "build") {
          expect(world.state.jobDetails.get(`${job.project_slug}#${job.job_number}`)?.latest_workflow.id).toBe(rerun.id);
        }
      } else {
        expect(again.id).not.toBe(job.id);
      }
    }
    expect(inconsistencies(world.state)).toEqual([]);
    world.advance(3 * HOUR);
    expect(rerun.stopped_at).not.toBeNull();
    expect(inconsistencies(world.state)).toEqual([]);
  });

  it("in full runs every job again under new ids, and refuses live or unknown workflows", () => {
    const world = smallWorld();
    const failed = failedWorkflow(world);
    const rerun = world.rerunWorkflow(failed.id);
    const originalIds = new Set(jobsOf(world, failed.id).map((j) => j.id));
    expect(jobsOf(world, rerun.id).some((j) => originalIds.has(j.id))).toBe(false);
    expect(() => world.rerunWorkflow(rerun.id)).toThrow(InvalidActionError);
    expect(() => world.rerunWorkflow("no-such-workflow")).toThrow(UnknownResourceError);
  });

  it("happens by itself to failed workflows when activity.rerunChance is 1", () => {
    const world = smallWorld({ seed: 3, activity: { pipelineEveryMs: 5 * MINUTE, rerunChance: 1 } });
    world.advance(12 * HOUR);
    const failedEarly = [...world.state.workflows.values()].filter(
      (w) => w.status === "failed" && w.stopped_at !== null && Date.parse(w.stopped_at) > NOW && Date.parse(w.stopped_at) < world.state.now - HOUR,
    );
    expect(failedEarly.length).toBeGreaterThan(0);
    for (const workflow of failedEarly) {
      const later = workflowsOf(world, workflow.pipeline_id).filter(
        (w) => w.name === workflow.name && Date.parse(w.created_at) > Date.parse(workflow.created_at),
      );
      expect(later.length).toBeGreaterThan(0);
    }
  });
});

describe("a pipeline triggered with a setup time", () => {
  it("is pending without workflows until its config is compiled, then runs like any other", () => {
    const world = smallWorld();
    const slug = ghSlug(world);
    const pipeline = world.triggerPipeline(slug, { trigger: "api", branch: "main", actorId: world.me.id, setupMs: 2_000 });
    expect(pipeline).toMatchObject({ state: "pending", errors: [], trigger: { type: "api", actor: { login: world.me.login } } });
    expect(world.state.pipelinesByProject.get(slug)?.[0]).toBe(pipeline.id);
    expect(workflowsOf(world, pipeline.id)).toEqual([]);
    world.advance(1_999);
    expect(workflowsOf(world, pipeline.id)).toEqual([]);
    world.advance(1);
    expect(pipeline.state).toBe("created");
    const workflows = workflowsOf(world, pipeline.id);
    expect(workflows.length).toBeGreaterThan(0);
    expect(workflows.every((w) => Date.parse(w.created_at) === world.state.now)).toBe(true);
    expect(inconsistencies(world.state)).toEqual([]);
    world.advance(3 * HOUR);
    expect(workflowsOf(world, pipeline.id).every((w) => w.stopped_at !== null)).toBe(true);
  });

  it("turns errored after the setup time when its config does not compile", () => {
    const world = smallWorld();
    const pipeline = world.triggerPipeline(ghSlug(world), { errored: true, setupMs: 500 });
    expect(pipeline).toMatchObject({ state: "pending", errors: [] });
    world.advance(500);
    expect(pipeline.state).toBe("errored");
    expect(pipeline.errors.length).toBeGreaterThan(0);
    expect(workflowsOf(world, pipeline.id)).toEqual([]);
  });
});

describe("cancelWorkflow and cancelJob", () => {
  it("cancelWorkflow stops every live job and ends the workflow canceled; a finished one stays as it is", () => {
    const world = smallWorld();
    const pipeline = world.triggerPipeline(ghSlug(world), { holdForApproval: true });
    world.advance(MINUTE);
    const [held] = workflowsOf(world, pipeline.id) as [WorkflowWire];
    const live = jobsOf(world, held.id).filter((j) => !["success", ...FAILED].includes(j.status));
    world.cancelWorkflow(held.id);
    expect(held).toMatchObject({ status: "canceled", canceled_by: world.me.id });
    expect(held.stopped_at).not.toBeNull();
    for (const job of live) expect(job.status).toBe("canceled");
    expect(inconsistencies(world.state)).toEqual([]);
    const snapshot = serialize(world.state);
    world.cancelWorkflow(held.id);
    expect(serialize(world.state)).toBe(snapshot);
    expect(() => world.cancelWorkflow("no-such-workflow")).toThrow(UnknownResourceError);
  });

  it("cancelJob stops one job, leaves what waits on it blocked, and the workflow ends canceled by that user", () => {
    const world = smallWorld();
    const slug = ghSlug(world);
    const pipeline = world.triggerPipeline(slug);
    world.advance(30_000);
    const running = workflowsOf(world, pipeline.id)
      .flatMap((w) => jobsOf(world, w.id).map((job) => ({ workflow: w, job })))
      .find(({ job }) => job.status === "running" && job.type === "build");
    if (!running) throw new Error("no job runs 30 s into the pipeline");
    const { workflow, job } = running;
    const dependants = jobsOf(world, workflow.id).filter((j) => j.dependencies.includes(job.id));
    world.cancelJob({ projectSlug: slug.replace(/^gh/, "github"), number: job.job_number as number }, world.me.id);
    expect(job).toMatchObject({ status: "canceled", canceled_by: world.me.id, stopped_at: expect.any(String) });
    expect(world.state.jobDetails.get(`${slug}#${job.job_number}`)?.status).toBe("canceled");
    world.advance(3 * HOUR);
    for (const dependant of dependants) expect(dependant.status).toBe("blocked");
    expect(workflow).toMatchObject({ status: "canceled", canceled_by: world.me.id });
    expect(inconsistencies(world.state)).toEqual([]);
    const snapshot = serialize(world.state);
    world.cancelJob({ id: job.id });
    expect(serialize(world.state)).toBe(snapshot);
    expect(() => world.cancelJob({ projectSlug: slug, number: 999_999 })).toThrow(UnknownResourceError);
    expect(() => world.cancelJob({ id: "no-such-job" })).toThrow(UnknownResourceError);
  });
});

describe("rerunWorkflow of named jobs", () => {
  it("runs the named jobs and everything downstream again, carrying the other successful jobs over", () => {
    const world = smallWorld();
    const failed = failedWorkflow(world);
    const original = jobsOf(world, failed.id);
    const named = original.find((j) => j.status === "success" && original.some((other) => other.dependencies.includes(j.id)));
    if (!named) throw new Error("the failed workflow has no successful job that others depend on");
    const downstream = new Set([named.id]);
    for (let before = 0; downstream.size > before; ) {
      before = downstream.size;
      for (const job of original) if (job.dependencies.some((id) => downstream.has(id))) downstream.add(job.id);
    }
    const rerun = world.rerunWorkflow(failed.id, { jobs: [named.id] });
    const rerunJobs = new Map(jobsOf(world, rerun.id).map((j) => [j.name, j]));
    for (const job of original) {
      const carried = job.status === "success" && !downstream.has(job.id);
      expect(rerunJobs.get(job.name)?.id === job.id, `${job.name} (${job.status})`).toBe(carried);
    }
    expect(inconsistencies(world.state)).toEqual([]);
    expect(() => world.rerunWorkflow(failed.id, { jobs: ["no-such-job"] })).toThrow(InvalidActionError);
  });
});
