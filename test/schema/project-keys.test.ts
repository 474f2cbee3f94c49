import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalProjectSlug } from "../../src/project-slug.js";
import { createWorld } from "../../src/simulator/world.js";
import { commitAsSync } from "../support/writes.js";
import { BACKFILL_DAYS, DAY_MS, HOUR_MS, NOW } from "../sync/harness.js";
import { startSchemaRig } from "./rig.js";
import type { SchemaRig } from "./rig.js";

/**
 * One project, many spellings: configured the long way (`github/...`), answered by CircleCI in another case
 * (`github/Acme/...`), asked for in queries in any of them. Each finds the one project the sync stored, and the
 * answers are the same, from the cache.
 */
const world = createWorld({ seed: 7, now: NOW, projects: 2, pipelinesPerProject: 20, historyDays: 30, deviations: { respelledSlugs: true } });
const [key = "", otherKey = ""] = [...world.state.projects.keys()];
const [vcs = "", org = "", repo = ""] = key.split("/");
const longVcs = vcs === "gh" ? "github" : "bitbucket";
const configured = `${longVcs}/${org}/${repo}`;
/** As configured, long VCS names folded into short ones, as the settings fold them. */
const shown = canonicalProjectSlug(configured) as string;
const spellings = [configured, key, `${vcs}/${org.toUpperCase()}/${repo}`, `${longVcs}/${org.charAt(0).toUpperCase()}${org.slice(1)}/${repo.toUpperCase()}`];

let rig: SchemaRig;
beforeAll(async () => {
  rig = await startSchemaRig({ simulator: { world }, engine: { projectSlugs: [configured, otherKey] } });
});
afterAll(() => rig.close());

async function answer(source: string, variables: Record<string, unknown>): Promise<unknown> {
  const result = await rig.run(source, variables);
  expect(result.errors).toBeUndefined();
  return result.data;
}

/** What each spelling answers, and how many CircleCI calls all of them took. */
async function answersFor(source: string, variables: (slug: string) => Record<string, unknown>): Promise<{ answers: unknown[]; calls: number }> {
  const before = rig.sync.sim.counters.total();
  const answers = [];
  for (const slug of spellings) answers.push(await answer(source, variables(slug)));
  return { answers, calls: rig.sync.sim.counters.total() - before };
}

describe("a project in any spelling", () => {
  it("is stored once, under its key", async () => {
    expect(vcs).toMatch(/^(gh|bb)$/);
    expect((await rig.sync.store.getProjects([key]))[0]?.project?.slug).toBe(key);
    expect((await rig.sync.store.listPipelineIds(key, { first: 100 })).ids.length).toBeGreaterThan(0);
    const { streams } = await rig.sync.store.getSyncStatus();
    expect(new Set(streams.flatMap((stream) => stream.projectSlug ?? []))).toEqual(new Set([key, otherKey]));
  });

  it("projects and project(slug:) show the slug as configured, and every spelling answers the same project", async () => {
    const { projects } = (await answer("{ projects { slug id } }", {})) as { projects: { slug: string; id: string }[] };
    expect(projects.map((project) => project.slug)).toEqual([shown, otherKey]);
    const { answers, calls } = await answersFor("query($slug: String!) { project(slug: $slug) { slug id name pipelines(first: 5) { nodes { id } } } }", (slug) => ({ slug }));
    expect(answers.every((one) => JSON.stringify(one) === JSON.stringify(answers[0]))).toBe(true);
    expect(answers[0]).toMatchObject({ project: { slug: shown, id: projects[0]?.id } });
    expect((answers[0] as { project: { pipelines: { nodes: unknown[] } } }).project.pipelines.nodes).toHaveLength(5);
    expect(calls).toBe(0);
  });

  it("pipelines(projectSlug:) answers the same page in every spelling, from the cache", async () => {
    const { answers, calls } = await answersFor(
      "query($slug: String!) { pipelines(projectSlug: $slug, first: 10) { nodes { id projectSlug project { slug } } pageInfo { hasNextPage } } }",
      (slug) => ({ slug }),
    );
    expect(answers.every((one) => JSON.stringify(one) === JSON.stringify(answers[0]))).toBe(true);
    const { nodes } = (answers[0] as { pipelines: { nodes: { id: string; projectSlug: string; project: { slug: string } }[] } }).pipelines;
    expect(nodes).toHaveLength(10);
    // Documents hold the key; the project they link to shows as configured.
    expect(nodes.every((node) => node.projectSlug === key && node.project.slug === shown)).toBe(true);
    expect(calls).toBe(0);
  });

  it("statusBoard(projectSlugs:) and pendingApprovals(projectSlug:) answer the same in every spelling, the project shown as configured", async () => {
    const board = await answersFor(
      "query($slug: String!) { statusBoard(projectSlugs: [$slug], allBranches: true) { projectSlug branch workflowName latest { id projectSlug } } }",
      (slug) => ({ slug }),
    );
    expect(board.answers.every((one) => JSON.stringify(one) === JSON.stringify(board.answers[0]))).toBe(true);
    const tiles = (board.answers[0] as { statusBoard: { projectSlug: string; latest: { projectSlug: string } }[] }).statusBoard;
    expect(tiles.length).toBeGreaterThan(0);
    expect(tiles.every((tile) => tile.projectSlug === shown && tile.latest.projectSlug === key)).toBe(true);
    const everything = (await answer("{ statusBoard(allBranches: true) { projectSlug } }", {})) as { statusBoard: { projectSlug: string }[] };
    expect([...new Set(everything.statusBoard.map((tile) => tile.projectSlug))].sort()).toEqual([shown, otherKey].sort());
    const approvals = await answersFor("query($slug: String) { pendingApprovals(projectSlug: $slug) { job { id } waitingSince } }", (slug) => ({ slug }));
    expect(approvals.answers.every((one) => JSON.stringify(one) === JSON.stringify(approvals.answers[0]))).toBe(true);
    expect(board.calls + approvals.calls).toBe(0);
  });

  it("job(projectSlug:, number:) answers the same record in every spelling, from the cache", async () => {
    const { state } = rig.sync.sim.world;
    const number = [...state.jobDetails.values()].find(
      (detail) => detail.project.slug === key && detail.status === "success" && Date.parse(detail.created_at) > NOW - DAY_MS,
    )?.number;
    if (number === undefined) throw new Error("the project has no finished job");
    expect((await rig.sync.store.getJobRecords([{ projectSlug: key, number }]))[0]).toBeDefined();
    const { answers, calls } = await answersFor("query($slug: String!, $number: Int!) { job(projectSlug: $slug, number: $number) { number projectSlug steps { name } } }", (slug) => ({
      slug,
      number,
    }));
    expect(answers.every((one) => JSON.stringify(one) === JSON.stringify(answers[0]))).toBe(true);
    expect(answers[0]).toMatchObject({ job: { number, projectSlug: key } });
    expect(calls).toBe(0);
  });

  it("what the loaders cached for one spelling, a write under the key replaces for every spelling", async () => {
    // Not the configured spelling, which queries are mapped to: the loaders themselves take any.
    const shouted = `${vcs}/${org.toUpperCase()}/${repo.toUpperCase()}`;
    const loaders = () => rig.factory.forRequest();
    // An empty L1 (as after a reset): what it holds next was read in that spelling.
    rig.sync.invalidations.reset();
    const finished = [...rig.sync.sim.world.state.jobDetails.values()].filter(
      (detail) => detail.project.slug === key && detail.status === "success" && Date.parse(detail.created_at) > NOW - DAY_MS,
    );
    const number = finished.at(-1)?.number;
    if (number === undefined) throw new Error("the project has no finished job");
    const [stored] = await rig.sync.store.getJobRecords([{ projectSlug: key, number }]);
    if (stored === undefined) throw new Error(`job ${number} is not stored`);
    const nameIn = async (slug: string) => (await loaders().jobRecord.load({ projectSlug: slug, number }))?.details.name;
    expect(await nameIn(shouted)).toBe(stored.details.name);
    await commitAsSync(rig.sync.writer, key, { jobRecords: [{ ...stored, details: { ...stored.details, name: "renamed" } }] });
    for (const slug of [shouted, ...spellings]) expect(await nameIn(slug)).toBe("renamed");

    const [project] = await rig.sync.store.getProjects([key]);
    if (project?.project === undefined) throw new Error("the project is not stored");
    const projectNameIn = async (slug: string) => (await loaders().project.load(slug))?.project?.name;
    expect(await projectNameIn(shouted)).toBe(project.project.name);
    await rig.sync.writer.forSync(undefined).putProjects([{ ...project, project: { ...project.project, name: "renamed" } }]);
    for (const slug of [shouted, ...spellings]) expect(await projectNameIn(slug)).toBe("renamed");

    const newestIn = async (slug: string) => (await loaders().pipelinePage(slug, { first: 3 })).pipelines[0]?.id;
    const [listed] = (await rig.sync.store.listPipelineIds(key, { first: 1 })).ids;
    const [newest] = await rig.sync.store.getPipelines([listed as string]);
    if (newest === undefined) throw new Error("the project has no stored pipeline");
    const callsBefore = rig.sync.sim.counters.total();
    expect(await newestIn(shouted)).toBe(newest.id);
    const arrived = { ...newest, id: "00000000-0000-4000-8000-00000000a001", number: newest.number + 1, created_at: new Date(NOW + HOUR_MS).toISOString() };
    await commitAsSync(rig.sync.writer, key, { pipelines: [arrived] });
    for (const slug of [shouted, ...spellings]) expect(await newestIn(slug)).toBe(arrived.id);
    expect(rig.sync.sim.counters.total()).toBe(callsBefore);
  });

  it("a record the cache lacks is asked of CircleCI in the configured spelling (its routes are case-sensitive), then cached under the key", async () => {
    const { state } = rig.sync.sim.world;
    // Older than the backfill window: the sync never stored it.
    const old = [...state.jobDetails.values()].find(
      (detail) => detail.project.slug === key && detail.status === "success" && Date.parse(detail.created_at) < NOW - (BACKFILL_DAYS + 1) * DAY_MS,
    );
    if (old === undefined) throw new Error("the project has no finished job older than the backfill window");
    expect((await rig.sync.store.getJobRecords([{ projectSlug: key, number: old.number }]))[0]).toBeUndefined();
    const query = "query($slug: String!, $number: Int!) { job(projectSlug: $slug, number: $number) { number projectSlug } }";
    const before = rig.sync.sim.counters.byEndpoint()["GET /project/{slug}/job/{number}"] ?? 0;
    expect(await answer(query, { slug: spellings[2], number: old.number })).toEqual({ job: { number: old.number, projectSlug: key } });
    expect(rig.sync.sim.counters.byEndpoint()["GET /project/{slug}/job/{number}"]).toBe(before + 1);
    await rig.factory.drain();
    expect((await rig.sync.store.getJobRecords([{ projectSlug: key, number: old.number }]))[0]?.details.number).toBe(old.number);
    const { calls } = await answersFor(query, (slug) => ({ slug, number: old.number }));
    expect(calls).toBe(0);
  });
});
