import { describe, expect, it } from "vitest";
import { createWorld, UnknownResourceError, type World } from "../../src/simulator/world.js";
import { inconsistencies, jobSightings, serialize } from "./world-inspection.js";

const NOW = Date.UTC(2024, 2, 11, 15, 0, 0);
const WITH_MILLIS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const WITHOUT_MILLIS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** One default world shared by the read-only assertions below (building it is the slow part). */
const world: World = createWorld({ now: NOW });
const { state } = world;
const pipelines = [...state.pipelines.values()];
const workflows = [...state.workflows.values()];
const sightings = jobSightings(state);

describe("createWorld: determinism", () => {
  it("gives a byte-identical state for the same seed and options", () => {
    const again = createWorld({ now: NOW });
    expect(serialize(again.state)).toBe(serialize(state));
  });

  it("gives a different state for a different seed", () => {
    expect(serialize(createWorld({ now: NOW, seed: 2 }).state)).not.toBe(serialize(state));
  });

  it("starts the clock at `now` and honours the size options", () => {
    const small = createWorld({ now: NOW, projects: 5, pipelinesPerProject: 4, contextsPerOrg: 2, historyDays: 2 });
    expect(small.state.now).toBe(NOW);
    expect(small.state.projects.size).toBe(5);
    for (const ids of small.state.pipelinesByProject.values()) expect(ids).toHaveLength(4);
    for (const contexts of small.state.contexts.values()) expect(contexts).toHaveLength(2);
    const oldest = Math.min(...[...small.state.pipelines.values()].map((p) => Date.parse(p.created_at)));
    expect(oldest).toBeGreaterThanOrEqual(NOW - 2 * 24 * 3600_000);
  });
});

describe("createWorld: options", () => {
  it("refuses options that make no world", () => {
    expect(() => createWorld({ now: NOW, projects: 0 })).toThrow(RangeError);
    expect(() => createWorld({ now: NOW, historyDays: -1 })).toThrow(/historyDays/);
    expect(() => createWorld({ now: NOW, activity: { rerunChance: 2 } })).toThrow(/rerunChance/);
    expect(() => createWorld({ now: NOW, activity: { pipelineEveryMs: 0 } })).toThrow(/pipelineEveryMs/);
  });

  it.each([2, 3, 4])("guarantees the rare shapes and a held approval for seed %i", (seed) => {
    const other = createWorld({ now: NOW, seed });
    const all = [...other.state.pipelines.values()];
    expect(all.some((p) => p.state === "errored")).toBe(true);
    expect(all.some((p) => p.trigger.type === "api" && p.vcs !== undefined && !("commit" in p.vcs))).toBe(true);
    expect(all.some((p) => p.vcs?.tag !== undefined)).toBe(true);
    expect(all.some((p) => p.trigger.type === "Decoupled Ingestion System")).toBe(true);
    expect([...other.state.workflows.values()].some((w) => w.status === "on_hold")).toBe(true);
    expect(inconsistencies(other.state)).toEqual([]);
  });
});

describe("createWorld: catalog", () => {
  it("has gh, bb and circleci organizations and projects with matching providers", () => {
    expect([...state.orgs.values()].map((org) => org.vcs_type).sort()).toEqual(["bitbucket", "circleci", "github"]);
    const providers = Object.fromEntries([...state.projects.values()].map((p) => [p.slug.split("/")[0], p.vcs_info.provider]));
    expect(providers).toEqual({ gh: "GitHub", bb: "Bitbucket", circleci: "CircleCI" });
    const circleci = [...state.projects.keys()].find((slug) => slug.startsWith("circleci/"));
    expect(circleci).toMatch(/^circleci\/[1-9A-HJ-NP-Za-km-z]{22}\/[1-9A-HJ-NP-Za-km-z]{22}$/);
    for (const project of state.projects.values()) {
      expect(state.orgs.get(project.organization_id)?.slug).toBe(project.organization_slug);
    }
  });

  it("has a handful of users, some without an avatar, and `me` among them", () => {
    const users = [...state.users.values()];
    expect(users.length).toBeGreaterThanOrEqual(4);
    expect(users.some((user) => user.avatar_url === null)).toBe(true);
    expect(users.some((user) => user.avatar_url !== null)).toBe(true);
    expect(state.users.get(world.me.id)).toBe(world.me);
    for (const user of users) expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("has contexts per org with 1-6 environment variable names and never a value", () => {
    for (const org of state.orgs.values()) {
      const contexts = state.contexts.get(org.id) ?? [];
      expect(contexts).toHaveLength(3);
      for (const context of contexts) {
        expect(context.created_at).toMatch(WITH_MILLIS);
        const variables = state.envVars.get(context.id) ?? [];
        expect(variables.length).toBeGreaterThanOrEqual(1);
        expect(variables.length).toBeLessThanOrEqual(6);
        for (const variable of variables) {
          expect(Object.keys(variable).sort()).toEqual(["context_id", "created_at", "updated_at", "variable"]);
          expect(variable.context_id).toBe(context.id);
          expect(Date.parse(variable.updated_at)).toBeGreaterThanOrEqual(Date.parse(variable.created_at));
        }
      }
    }
  });
});

describe("createWorld: pipelines", () => {
  it("keeps every index consistent and every record in agreement", () => {
    expect(inconsistencies(state)).toEqual([]);
  });

  it("stamps pipelines with milliseconds and numbers them per project, newest highest", () => {
    for (const pipeline of pipelines) expect(pipeline.created_at).toMatch(WITH_MILLIS);
    for (const ids of state.pipelinesByProject.values()) {
      const numbers = ids.map((id) => state.pipelines.get(id)?.number ?? 0);
      expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    }
  });

  it("has every pipeline quirk of API.md §5", () => {
    const triggerTypes = new Set(pipelines.map((p) => p.trigger.type));
    expect(triggerTypes).toContain("webhook");
    expect(triggerTypes).toContain("api");
    expect([...triggerTypes].some((type) => type === "Decoupled Ingestion System" || type === "unknown")).toBe(true);
    expect(pipelines.some((p) => p.updated_at === undefined && !("updated_at" in p))).toBe(true);
    expect(pipelines.some((p) => p.vcs === undefined && !("vcs" in p))).toBe(true);
    expect(pipelines.some((p) => p.trigger.type === "api" && p.vcs !== undefined && !("commit" in p.vcs))).toBe(true);
    expect(pipelines.some((p) => p.vcs?.tag !== undefined && !("branch" in p.vcs))).toBe(true);
    expect(pipelines.some((p) => p.vcs?.revision === null)).toBe(true);
    expect(pipelines.some((p) => p.trigger.actor.avatar_url === null)).toBe(true);
    expect(pipelines.some((p) => typeof p.trigger_parameters?.github_app === "object")).toBe(true);
    const webhook = pipelines.filter((p) => p.trigger.type === "webhook" && p.vcs);
    expect(webhook.length).toBeGreaterThan(pipelines.length / 2);
    expect(webhook.every((p) => p.vcs?.commit !== undefined)).toBe(true);
  });

  it("has errored pipelines with errors and no workflows", () => {
    const errored = pipelines.filter((p) => p.state === "errored");
    expect(errored.length).toBeGreaterThan(0);
    for (const pipeline of errored) {
      expect(pipeline.errors.length).toBeGreaterThan(0);
      expect(state.workflowsByPipeline.get(pipeline.id)).toEqual([]);
    }
    expect(pipelines.filter((p) => p.state !== "errored").every((p) => p.errors.length === 0)).toBe(true);
  });
});

describe("createWorld: workflows and jobs", () => {
  it("stamps workflows and workflow jobs without milliseconds", () => {
    for (const workflow of workflows) {
      expect(workflow.created_at).toMatch(WITHOUT_MILLIS);
      if (workflow.stopped_at !== null) expect(workflow.stopped_at).toMatch(WITHOUT_MILLIS);
    }
    for (const { job } of sightings) {
      if (job.started_at != null) expect(job.started_at).toMatch(WITHOUT_MILLIS);
      if (job.stopped_at != null) expect(job.stopped_at).toMatch(WITHOUT_MILLIS);
    }
  });

  it("has 1-3 workflows per pipeline on first run and 2-12 jobs per workflow", () => {
    for (const jobs of state.jobsByWorkflow.values()) {
      expect(jobs.length).toBeGreaterThanOrEqual(2);
      expect(jobs.length).toBeLessThanOrEqual(12);
    }
    for (const pipeline of pipelines) {
      const names = new Set((state.workflowsByPipeline.get(pipeline.id) ?? []).map((id) => state.workflows.get(id)?.name));
      expect(names.size).toBeLessThanOrEqual(3);
    }
  });

  it("has dependencies that form a DAG within the workflow", () => {
    for (const jobs of state.jobsByWorkflow.values()) {
      const seen = new Set<string>();
      for (const job of jobs) {
        for (const dependency of job.dependencies) expect(seen.has(dependency) || jobs.some((j) => j.id === dependency)).toBe(true);
        seen.add(job.id);
      }
      expect(hasCycle(jobs)).toBe(false);
    }
  });

  it("has canceled_by / errored_by only where they apply, and setup workflows with continuations", () => {
    expect(workflows.some((w) => w.status === "canceled" && typeof w.canceled_by === "string")).toBe(true);
    expect(workflows.some((w) => w.status === "error" && typeof w.errored_by === "string")).toBe(true);
    const setup = workflows.filter((w) => w.tag === "setup" && w.status === "success");
    expect(setup.length).toBeGreaterThan(0);
    for (const workflow of setup) {
      const siblings = state.workflowsByPipeline.get(workflow.pipeline_id) ?? [];
      expect(siblings.length).toBeGreaterThan(1);
    }
  });

  it("has reruns in history that carry successful jobs over under the same id", () => {
    const carried = new Map<string, Set<string>>();
    for (const { workflow, job } of sightings) {
      const workflowsOfJob = carried.get(job.id) ?? new Set();
      workflowsOfJob.add(workflow.id);
      carried.set(job.id, workflowsOfJob);
    }
    const shared = [...carried.entries()].filter(([, ids]) => ids.size > 1);
    expect(shared.length).toBeGreaterThan(0);
    for (const [jobId, ids] of shared) {
      const [first, second] = [...ids].map((id) => state.workflows.get(id));
      expect(first?.name).toBe(second?.name);
      expect(first?.pipeline_id).toBe(second?.pipeline_id);
      const statuses = sightings.filter((s) => s.job.id === jobId).map((s) => s.job.status);
      expect(new Set(statuses)).toEqual(new Set(["success"]));
    }
  });

  it("spans the job status enum, including the rare ones", () => {
    const statuses = new Set(sightings.map((s) => s.job.status));
    for (const status of ["success", "failed", "blocked", "running", "on_hold", "canceled", "not_run"]) {
      expect(statuses, status).toContain(status);
    }
    expect(["terminated-unknown", "infrastructure_fail", "timedout"].filter((s) => statuses.has(s)).length).toBeGreaterThanOrEqual(2);
  });

  it("numbers approval jobs and gives them no job details", () => {
    const approvals = sightings.filter((s) => s.job.type === "approval");
    expect(approvals.length).toBeGreaterThan(0);
    expect(approvals.some((s) => s.job.approved_by !== undefined && s.job.status === "success")).toBe(true);
    for (const { job } of approvals) {
      expect(job.approval_request_id).toBe(job.id);
      if (job.job_number !== undefined) expect(state.jobDetails.has(`${job.project_slug}#${job.job_number}`)).toBe(false);
    }
  });

  it("leaves never-run jobs without a number or start, and omits optional fields rather than nulling them", () => {
    const neverRan = sightings.filter((s) => s.job.status === "blocked" || (s.job.status === "canceled" && !("job_number" in s.job)));
    expect(neverRan.length).toBeGreaterThan(0);
    for (const { job } of neverRan) {
      expect("job_number" in job).toBe(false);
      expect("started_at" in job).toBe(false);
    }
    for (const { job } of sightings) {
      for (const field of ["approved_by", "canceled_by", "approval_request_id", "job_number"] as const) {
        if (field in job) expect(job[field]).not.toBeNull();
      }
    }
  });
});

describe("createWorld: job details and v1.1 builds", () => {
  const numberedBuilds = sightings.filter((s) => s.job.type === "build" && s.job.job_number !== undefined);

  it("exists for every numbered build job, with executors, parallelism and contexts drawn from the org", () => {
    expect(state.jobDetails.size).toBe(new Set(numberedBuilds.map((s) => s.job.id)).size);
    const details = [...state.jobDetails.values()];
    expect(new Set(details.map((d) => d.executor.type))).toEqual(new Set(["docker", "machine", "macos", undefined]));
    expect(details.some((d) => !("type" in d.executor))).toBe(true);
    expect(new Set(details.map((d) => d.parallelism))).toEqual(new Set([1, 2, 3, 4]));
    expect(details.some((d) => d.messages.length > 0)).toBe(true);
    for (const detail of details) {
      expect(detail.created_at).toMatch(WITH_MILLIS);
      expect(detail.queued_at).toMatch(WITH_MILLIS);
      const project = state.projects.get(detail.project.slug);
      const contextNames = (state.contexts.get(project?.organization_id ?? "") ?? []).map((c) => c.name);
      for (const context of detail.contexts) expect(contextNames).toContain(context.name);
    }
    expect(details.some((d) => d.contexts.length > 0)).toBe(true);
  });

  it("gives running jobs a null duration and queued jobs no start", () => {
    const running = [...state.jobDetails.values()].filter((d) => d.status === "running");
    expect(running.length).toBeGreaterThan(0);
    for (const detail of running) {
      expect(detail.duration).toBeNull();
      expect(detail.stopped_at).toBeNull();
      expect(detail.started_at).toMatch(WITH_MILLIS);
      const build = state.builds.get(`${detail.project.slug}#${detail.number}`);
      expect(build?.outcome).toBeNull();
      for (const step of build?.steps ?? []) for (const action of step.actions) expect(action.end_time).toBeNull();
    }
    for (const detail of state.jobDetails.values()) if (detail.status === "queued") expect(detail.started_at ?? null).toBeNull();
  });

  it("has steps: spin-up, checkout, then 1-4 run steps, one action per container, non-sequential ids", () => {
    const finished = [...state.builds.values()].filter((b) => b.status === "success");
    expect(finished.length).toBeGreaterThan(0);
    for (const build of finished) {
      const steps = build.steps ?? [];
      expect(steps.map((s) => s.name).slice(0, 2)).toEqual(["Spin up environment", "Checkout code"]);
      expect(steps.length).toBeGreaterThanOrEqual(3);
      expect(steps.length).toBeLessThanOrEqual(6);
      const ids = steps.map((s) => s.actions[0]?.step);
      expect(ids[1]).not.toBe((ids[0] ?? 0) + 1);
      for (const [position, step] of steps.entries()) {
        expect(step.actions.map((a) => a.index)).toEqual([...Array(build.parallel).keys()]);
        for (const action of step.actions) {
          expect("output_url" in action).toBe(false);
          expect(action.exit_code).toBe(position < 2 ? null : 0);
          expect(action.bash_command === null).toBe(position < 2);
        }
      }
    }
    const actions = finished.flatMap((b) => (b.steps ?? []).flatMap((s) => s.actions));
    expect(actions.filter((a) => a.has_output).length).toBeGreaterThan(actions.length * 0.8);
    expect(actions.some((a) => !a.has_output)).toBe(true);
  });

  it("ends failed builds on a failed step with a non-zero exit code", () => {
    const failed = [...state.builds.values()].filter((b) => b.status === "failed" && b.outcome === "failed");
    expect(failed.length).toBeGreaterThan(0);
    for (const build of failed) {
      const last = build.steps?.at(-1);
      expect(last?.actions.every((a) => a.status === "failed" || a.status === "success")).toBe(true);
    }
    expect(failed.some((b) => b.steps?.at(-1)?.actions[0]?.exit_code === 1)).toBe(true);
  });
});

describe("createWorld: live work at now", () => {
  it("has running work and a workflow on hold in the newest pipelines, and only terminal old ones", () => {
    const live = workflows.filter((w) => w.stopped_at === null);
    expect(live.some((w) => w.status === "running" || w.status === "failing")).toBe(true);
    expect(live.some((w) => w.status === "on_hold")).toBe(true);
    const statuses = new Set(sightings.map((s) => s.job.status));
    for (const status of ["blocked", "running"]) expect(statuses).toContain(status);
    const dayAgo = NOW - 24 * 3600_000;
    expect(live.every((w) => Date.parse(w.created_at) > dayAgo)).toBe(true);
  });
});

describe("world actions for comparable futures", () => {
  /** A world of `days` of history with nothing left live: every approval given, then two quiet days. */
  function settledWorld(days: number): World {
    const settled = createWorld({ now: NOW, projects: 1, pipelinesPerProject: 8 * days, historyDays: days });
    expect(settled.approveAllOnHold()).toBeGreaterThan(0); // the approval every world holds forever
    settled.advance(2 * 24 * 3600_000);
    expect([...settled.state.workflows.values()].filter((w) => w.stopped_at === null)).toEqual([]);
    return settled;
  }

  /** The new pipelines' shapes, without the numbers and timestamps that history moves. */
  function futureOf(settled: World, seed: number | undefined): unknown[] {
    const [slug] = [...settled.state.projects.keys()] as [string];
    if (seed !== undefined) settled.reseed(seed);
    const created = [0, 1, 2].map(() => {
      const pipeline = settled.triggerPipeline(slug);
      settled.advance(60_000);
      return pipeline.id;
    });
    settled.advance(30 * 60_000);
    return created.map((id) =>
      (settled.state.workflowsByPipeline.get(id) ?? []).map((workflowId) => ({
        workflow: settled.state.workflows.get(workflowId)?.status,
        jobs: (settled.state.jobsByWorkflow.get(workflowId) ?? []).map((job) => [job.name, job.type, job.status]),
      })),
    );
  }

  it("lives the same future after reseed, however long the history behind it", () => {
    const short = futureOf(settledWorld(1), 99);
    expect(short.flat().length).toBeGreaterThan(0);
    expect(futureOf(settledWorld(10), 99)).toEqual(short);
  });

  it("lives a different future without reseed: the histories left the shared source in different places", () => {
    expect(futureOf(settledWorld(10), undefined)).not.toEqual(futureOf(settledWorld(1), undefined));
  });
});

describe("world actions on projects", () => {
  it("resolves every accepted slug spelling to the canonical one", () => {
    const gh = [...state.projects.keys()].find((s) => s.startsWith("gh/")) as string;
    const bb = [...state.projects.keys()].find((s) => s.startsWith("bb/")) as string;
    const app = [...state.projects.keys()].find((s) => s.startsWith("circleci/")) as string;
    expect(world.canonicalSlug(gh)).toBe(gh);
    expect(world.canonicalSlug(gh.replace(/^gh/, "github"))).toBe(gh);
    expect(world.canonicalSlug(bb.replace(/^bb/, "bitbucket"))).toBe(bb);
    expect(world.canonicalSlug(app)).toBe(app);
    expect(world.canonicalSlug(gh.toUpperCase())).toBeUndefined();
    expect(world.canonicalSlug(`${gh}/extra`)).toBeUndefined();
    expect(world.canonicalSlug("gh/nobody/nothing")).toBeUndefined();
  });

  it("hides and shows a project by any spelling, keeping its data", () => {
    const own = createWorld({ now: NOW, pipelinesPerProject: 2 });
    const gh = [...own.state.projects.keys()].find((s) => s.startsWith("gh/")) as string;
    own.setProjectHidden(gh.replace(/^gh/, "github"), true);
    expect(own.state.hiddenProjects.has(gh)).toBe(true);
    expect(own.state.pipelinesByProject.get(gh)).toHaveLength(2);
    own.setProjectHidden(gh, false);
    expect(own.state.hiddenProjects.size).toBe(0);
    expect(() => own.setProjectHidden("gh/nobody/nothing", true)).toThrow(UnknownResourceError);
  });
});

function hasCycle(jobs: readonly { id: string; dependencies: string[] }[]): boolean {
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (id: string): boolean => {
    if (done.has(id)) return false;
    if (visiting.has(id)) return true;
    visiting.add(id);
    const cyclic = (byId.get(id)?.dependencies ?? []).some(visit);
    visiting.delete(id);
    done.add(id);
    return cyclic;
  };
  return jobs.some((job) => visit(job.id));
}
