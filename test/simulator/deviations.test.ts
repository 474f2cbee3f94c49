import { afterEach, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import type { JobDetailWire, PipelineWire, ProjectWire, V1BuildWire, WorkflowJobWire, WorkflowWire } from "../../src/simulator/model.js";
import { createWorld } from "../../src/simulator/world.js";
import type { World, WorldOptions } from "../../src/simulator/world.js";
import { get, walkPages } from "./http.js";

const NOW = Date.parse("2025-06-01T12:00:00.000Z");
const WORLD: WorldOptions = { seed: 21, now: NOW, projects: 3, pipelinesPerProject: 16, historyDays: 5 };

function world(deviations?: WorldOptions["deviations"]): World {
  const created = createWorld({ ...WORLD, ...(deviations === undefined ? {} : { deviations }) });
  // Approvals are on hold from when their dependencies succeed, some of them for good.
  for (const slug of created.state.projects.keys()) created.triggerPipeline(slug, { holdForApproval: true });
  created.advance(30 * 60_000);
  return created;
}

const plain = world();
const pipelinesOf = (w: World) => [...w.state.pipelines.values()];
const buildsOf = (w: World) => [...w.state.builds.values()];
const approvalsOf = (w: World) => [...w.state.jobsByWorkflow.values()].flat().filter((job) => job.type === "approval" && job.job_number !== undefined);
const actionsOf = (w: World) => buildsOf(w).flatMap((build) => (build.steps ?? []).flatMap((step) => step.actions));

/** Ids and statuses of everything, so two worlds can be compared for all but their shapes. */
function skeleton(w: World): string[] {
  return [
    ...pipelinesOf(w).map((pipeline) => `${pipeline.id} #${pipeline.number} ${pipeline.state}`),
    ...[...w.state.workflows.values()].map((workflow) => `${workflow.id} ${workflow.status}`),
    ...[...w.state.jobsByWorkflow.values()].flat().map((job) => `${job.id} ${job.status} ${job.job_number ?? "-"}`),
  ];
}

describe("a world's deviations from the documents", () => {
  it("are all off by default: every record keeps to the documents", () => {
    expect(plain.deviations).toEqual({ nullProviderName: false, nullActionFields: false, bareBuilds: false, startedApprovals: false, respelledSlugs: false });
    expect(pipelinesOf(plain).every((pipeline) => pipeline.vcs === undefined || typeof pipeline.vcs.provider_name === "string")).toBe(true);
    expect(buildsOf(plain).every((build) => typeof build.build_num === "number" && Array.isArray(build.steps))).toBe(true);
    expect(approvalsOf(plain).length).toBeGreaterThan(0);
    expect(approvalsOf(plain).every((job) => job.started_at === undefined)).toBe(true);
    expect(actionsOf(plain).every((action) => typeof action.step === "number" && typeof action.has_output === "boolean")).toBe(true);
  });

  it("change only the shapes they name, never which records exist or what they hold", () => {
    expect(skeleton(world("all"))).toEqual(skeleton(plain));
  });

  it("nullProviderName: every third pipeline has vcs.provider_name null", () => {
    const deviating = world({ nullProviderName: true });
    const withVcs = pipelinesOf(deviating).filter((pipeline) => pipeline.vcs !== undefined);
    const nulls = withVcs.filter((pipeline) => pipeline.vcs?.provider_name === null);
    expect(nulls.length).toBeGreaterThan(0);
    expect(nulls.every((pipeline) => pipeline.number % 3 === 0)).toBe(true);
    expect(withVcs.filter((pipeline) => pipeline.number % 3 !== 0).every((pipeline) => typeof pipeline.vcs?.provider_name === "string")).toBe(true);
  });

  it("nullActionFields: the actions of built-in steps carry null for step, type, background, parallel and has_output", () => {
    const actions = actionsOf(world({ nullActionFields: true }));
    const builtIn = actions.filter((action) => action.bash_command === null);
    expect(builtIn.length).toBeGreaterThan(0);
    for (const action of builtIn) expect([action.step, action.type, action.background, action.parallel, action.has_output]).toEqual([null, null, null, null, null]);
    expect(actions.filter((action) => action.bash_command !== null).every((action) => typeof action.step === "number")).toBe(true);
  });

  it("bareBuilds: every fourth build comes without build_num and steps", () => {
    const deviating = world({ bareBuilds: true });
    const bare = [...deviating.state.builds.entries()].filter(([, build]) => !("build_num" in build));
    expect(bare.length).toBeGreaterThan(0);
    for (const [key, build] of bare) {
      expect(Number(key.split("#").at(-1)) % 4).toBe(0);
      expect("steps" in build).toBe(false);
      expect(build.status).toEqual(expect.any(String));
    }
  });

  it("startedApprovals: an approval job carries started_at from when it went on hold", () => {
    const approvals = approvalsOf(world({ startedApprovals: true }));
    expect(approvals.length).toBeGreaterThan(0);
    expect(approvals.every((job) => typeof job.started_at === "string")).toBe(true);
    const onHold = approvals.filter((job) => job.status === "on_hold");
    expect(onHold.length).toBeGreaterThan(0);
  });
});

describe("respelledSlugs, over HTTP", () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it("answers with project slugs spelled the long way with the organization capitalised, however they were asked", async () => {
    sim = await startSimulator({ world: world({ respelledSlugs: true }), pageSize: 50 });
    const headers = { "circle-token": sim.token, accept: "application/json" };
    const [ghSlug, , appSlug] = [...sim.world.state.projects.keys()] as [string, string, string];
    expect(ghSlug).toMatch(/^gh\/[a-z]/);
    const [, org = "", repo = ""] = ghSlug.split("/");
    const respelled = `github/${org.charAt(0).toUpperCase()}${org.slice(1)}/${repo}`;

    const project = (await get(`${sim.url}/api/v2/project/${ghSlug}`, headers)).json<ProjectWire>();
    expect(project.slug).toBe(respelled);
    const { items: pipelines } = await walkPages<PipelineWire>(`${sim.url}/api/v2/project/${ghSlug}/pipeline`, {}, headers);
    expect(pipelines.length).toBeGreaterThan(0);
    expect(new Set(pipelines.map((pipeline) => pipeline.project_slug))).toEqual(new Set([respelled]));
    const single = (await get(`${sim.url}/api/v2/pipeline/${pipelines[0]?.id}`, headers)).json<PipelineWire>();
    expect(single.project_slug).toBe(respelled);
    const { items: workflows } = await walkPages<WorkflowWire>(`${sim.url}/api/v2/pipeline/${single.id}/workflow`, {}, headers);
    expect(workflows.map((workflow) => workflow.project_slug)).toEqual(workflows.map(() => respelled));
    const { items: jobs } = await walkPages<WorkflowJobWire>(`${sim.url}/api/v2/workflow/${workflows[0]?.id}/job`, {}, headers);
    expect(jobs.every((job) => job.project_slug === respelled)).toBe(true);
    const numbered = jobs.find((job) => job.type === "build" && job.job_number !== undefined) as WorkflowJobWire;
    const details = (await get(`${sim.url}/api/v2/project/${ghSlug}/job/${numbered.job_number}`, headers)).json<JobDetailWire>();
    expect(details.project.slug).toBe(respelled);
    const { items: feed } = await walkPages<PipelineWire>(`${sim.url}/api/v2/pipeline`, { "org-slug": `gh/${org}` }, headers);
    expect(feed.filter((pipeline) => pipeline.project_slug === respelled).map(({ id }) => id)).toEqual(pipelines.map(({ id }) => id));
    expect(feed.some((pipeline) => pipeline.project_slug === ghSlug)).toBe(false);

    // Asked with the long form, it answers as well.
    expect((await get(`${sim.url}/api/v2/project/github/${org}/${repo}`, headers)).status).toBe(200);
    // What the world holds stays as it is: only answers are spelled another way.
    expect(sim.world.state.pipelines.get(single.id)?.project_slug).toBe(ghSlug);
    // `circleci/...` slugs are opaque and keep their spelling.
    expect((await get(`${sim.url}/api/v2/project/${appSlug}`, headers)).json<ProjectWire>().slug).toBe(appSlug);
  });

  it("bare builds answer over v1.1 without build_num and steps", async () => {
    sim = await startSimulator({ world: world({ bareBuilds: true }) });
    const [key] = [...sim.world.state.builds.entries()].find(([, build]) => !("build_num" in build)) as [string, V1BuildWire];
    const [slug = "", number = ""] = key.split("#");
    const [vcs, org, repo] = slug.replace(/^gh\//, "github/").replace(/^bb\//, "bitbucket/").split("/");
    const answer = await get(`${sim.url}/api/v1.1/project/${vcs}/${org}/${repo}/${number}`, { "circle-token": sim.token, accept: "application/json" });
    expect(answer.status).toBe(200);
    const body = answer.json<Record<string, unknown>>();
    expect(body).not.toHaveProperty("build_num");
    expect(body).not.toHaveProperty("steps");
    expect(body.status).toEqual(expect.any(String));
  });
});
