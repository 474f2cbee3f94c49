import { afterEach, describe, expect, it } from "vitest";
import { discoveryCursorName } from "../../src/sync/discovery.js";
import { SyncEngine } from "../../src/sync/index.js";
import { truthBoard } from "../support/answers-truth.js";
import { compareStoreWithTruth } from "../support/truth.js";
import { boardEntryOfIndex } from "../../src/answers/index.js";
import { BACKFILL_DAYS, DAY_MS, NOW, startRig } from "./harness.js";
import type { SyncRig } from "./harness.js";

/**
 * Discovery: with an organization, the projects stream also syncs every project of it that ran a pipeline within the
 * backfill window, found in the organization's pipeline feed, as if it were configured.
 */
let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const SINCE = NOW - BACKFILL_DAYS * DAY_MS;

/** A world of five projects over three organizations (the GitHub one holds the first and the fourth), synced by discovery. */
async function discoveringRig(configured: (members: string[]) => string[]): Promise<{ current: SyncRig; engine: SyncEngine; org: string; members: string[] }> {
  const current = (rig = await startRig({ simulator: { world: { seed: 7, now: NOW, projects: 5, pipelinesPerProject: 20, historyDays: 14 }, pageSize: 5 } }));
  const { state } = current.sim.world;
  const github = [...state.orgs.values()].find((org) => org.slug.startsWith("gh/"));
  if (github === undefined) throw new Error("the world has no GitHub organization");
  const members = [...state.projects.values()].filter((project) => project.organization_slug === github.slug).map((project) => project.slug).sort();
  expect(members).toHaveLength(2);
  const engine = new SyncEngine({
    client: current.client,
    store: current.store,
    writer: current.writer,
    projectSlugs: configured(members),
    orgSlug: github.slug,
    lookbackHours: 6,
    backfillDays: BACKFILL_DAYS,
    now: () => state.now,
  });
  return { current, engine, org: github.slug, members };
}

function storedSlugs(current: SyncRig): Promise<string[]> {
  return current.store.listProjects().then((projects) => projects.map(({ slug }) => slug));
}

describe("project discovery (CIRCLECI_ORG_SLUG)", () => {
  it("finds a project nobody configured, syncs it like a configured one, and leaves other organizations' projects alone", async () => {
    const { current, engine, members } = await discoveringRig((slugs) => slugs.slice(0, 1));
    const [configured, discovered] = members as [string, string];
    const report = await engine.runCycle();
    expect(report.ok).toBe(true);
    expect(await storedSlugs(current)).toEqual(members);
    expect(await compareStoreWithTruth(current.store, current.sim.world, { projectSlugs: members, since: SINCE })).toEqual([]);
    const streams = report.streams.map(({ stream, projectSlug }) => `${stream} ${projectSlug ?? "-"}`);
    for (const stream of ["projects", "pipelines", "workflows", "workflow_jobs", "job_details", "tests"]) expect(streams).toContain(`${stream} ${discovered}`);
    // Its records: the projects it found that it had not found before (here both).
    expect(report.streams.find(({ stream, projectSlug }) => stream === "projects" && projectSlug === undefined)).toMatchObject({ records: 2 });
    expect(streams).toContain(`projects ${configured}`);
    // Its answers are served like any synced project's.
    const [project] = await current.store.getProjects([discovered]);
    const branch = project?.project?.vcs_info.default_branch as string;
    expect((await current.store.getBoards([{ projectSlug: discovered, branch }]))[0]?.map(boardEntryOfIndex)).toEqual(
      truthBoard(current.sim.world, { projectSlugs: [discovered], since: SINCE }),
    );
  });

  it("needs no configured project, and reads only the feed's new pages once it has read it", async () => {
    const { current, engine, members } = await discoveringRig(() => []);
    const pages = () => current.sim.counters.byEndpoint()["GET /pipeline"] ?? 0;
    expect((await engine.runCycle()).ok).toBe(true);
    const first = pages();
    expect(await storedSlugs(current)).toEqual(members);
    expect((await engine.runCycle()).ok).toBe(true);
    const steady = pages() - first;
    current.sim.world.triggerPipeline(members[1] as string);
    current.sim.world.advance(60_000);
    expect((await engine.runCycle()).ok).toBe(true);
    const withNews = pages() - first - steady;
    expect(steady).toBeGreaterThan(0);
    expect(steady).toBeLessThan(first);
    expect(withNews).toBe(steady);
    expect(await compareStoreWithTruth(current.store, current.sim.world, { projectSlugs: members, since: SINCE })).toEqual([]);
  });

  it("stops syncing a project once its newest pipeline left the window, and keeps those found when the feed fails", async () => {
    const { current, engine, org, members } = await discoveringRig(() => []);
    const ancient = "gh/acme/ancient";
    const readUntil = new Date(NOW - 40 * DAY_MS).toISOString();
    await current.writer.forSync(undefined).setCursor(discoveryCursorName(org), JSON.stringify({ readUntil, projects: { [ancient]: readUntil } }));
    const report = await engine.runCycle();
    expect(report.ok).toBe(true);
    expect(report.streams.some(({ projectSlug }) => projectSlug === ancient)).toBe(false);
    const [cursor] = await current.store.getCursors([discoveryCursorName(org)]);
    expect(Object.keys((JSON.parse(cursor as string) as { projects: Record<string, string> }).projects).sort()).toEqual(members);

    current.sim.inject({ kind: "500", endpoint: "GET /pipeline", count: 50 });
    const failed = await engine.runCycle();
    expect(failed.ok).toBe(false);
    const discovery = failed.streams.find(({ stream, projectSlug }) => stream === "projects" && projectSlug === undefined);
    expect(discovery?.error).toMatch(/500/);
    for (const slug of members) expect(failed.streams.find(({ stream, projectSlug }) => stream === "pipelines" && projectSlug === slug)?.error).toBeUndefined();
    const status = await current.store.getSyncStatus();
    expect(status.streams.find(({ stream, projectSlug }) => stream === "projects" && projectSlug === undefined)?.lastError).toMatch(/500/);
  });
});
