import { afterEach, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import type { PipelineWire } from "../../src/simulator/model.js";
import type { SimState } from "../../src/simulator/state.js";
import { createWorld } from "../../src/simulator/world.js";
import type { World } from "../../src/simulator/world.js";
import { get, walkPages } from "./http.js";

/** The organization's pipeline feed, `GET /pipeline?org-slug=`, over HTTP in pages of 3. */

const NOW = Date.parse("2025-06-01T12:00:00.000Z");
let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function feed(s: Simulator, query: Record<string, string>): Promise<PipelineWire[]> {
  return (await walkPages<PipelineWire>(`${s.url}/api/v2/pipeline`, query, { "circle-token": s.token })).items;
}

/** What the feed must hold: every pipeline of the org's projects, newest first. */
function orgPipelines(state: SimState, orgSlug: string): PipelineWire[] {
  return [...state.pipelines.values()]
    .filter((pipeline) => state.projects.get(pipeline.project_slug)?.organization_slug === orgSlug)
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
}

function orgSlugs(world: World): string[] {
  return [...world.state.orgs.values()].map((org) => org.slug);
}

describe("the organization's pipeline feed", () => {
  it("lists the pipelines of every project of the org, newest first, whoever configured them", async () => {
    // Six projects over three organizations: two each.
    const world = createWorld({ seed: 5, now: NOW, projects: 6, pipelinesPerProject: 5 });
    sim = await startSimulator({ world, pageSize: 3 });
    for (const orgSlug of orgSlugs(world)) {
      const items = await feed(sim, { "org-slug": orgSlug });
      expect(items.map((pipeline) => pipeline.id)).toEqual(orgPipelines(world.state, orgSlug).map((pipeline) => pipeline.id));
      expect(new Set(items.map((pipeline) => pipeline.project_slug)).size).toBe(2);
      expect(items[0]).toEqual(world.state.pipelines.get(items[0]?.id ?? ""));
    }
    // The long VCS names address the same organization.
    const github = orgSlugs(world).find((slug) => slug.startsWith("gh/")) as string;
    expect(await feed(sim, { "org-slug": github.replace(/^gh\//, "github/") })).toEqual(await feed(sim, { "org-slug": github }));
  });

  it("keeps to the token user's own pipelines with mine=true, and leaves out projects the token cannot see", async () => {
    const world = createWorld({ seed: 5, now: NOW, projects: 6, pipelinesPerProject: 8 });
    sim = await startSimulator({ world, pageSize: 3 });
    const orgSlug = orgSlugs(world)[0] as string;
    const all = orgPipelines(world.state, orgSlug);
    const mine = all.filter((pipeline) => pipeline.trigger.actor.login === world.me.login);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.length).toBeLessThan(all.length);
    expect((await feed(sim, { "org-slug": orgSlug, mine: "true" })).map((pipeline) => pipeline.id)).toEqual(mine.map((pipeline) => pipeline.id));

    const hidden = all[0]?.project_slug as string;
    world.setProjectHidden(hidden, true);
    const visible = await feed(sim, { "org-slug": orgSlug });
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.some((pipeline) => pipeline.project_slug === hidden)).toBe(false);
  });

  it("covers at most the 250 most recently built projects", async () => {
    const world = createWorld({ seed: 5, now: NOW, projects: 753, pipelinesPerProject: 0, contextsPerOrg: 0 });
    const orgSlug = orgSlugs(world)[0] as string;
    const projects = [...world.state.projects.values()].filter((project) => project.organization_slug === orgSlug);
    expect(projects.length).toBe(251);
    for (const project of projects) {
      world.triggerPipeline(project.slug);
      world.advance(1000);
    }
    sim = await startSimulator({ world, pageSize: 100 });
    const items = await feed(sim, { "org-slug": orgSlug });
    expect(items).toHaveLength(250);
    // The first project built longest ago is the one left out.
    expect(items.some((pipeline) => pipeline.project_slug === projects[0]?.slug)).toBe(false);
  });

  it("answers 404 for an organization that does not exist", async () => {
    sim = await startSimulator({ world: createWorld({ seed: 5, now: NOW, projects: 1, pipelinesPerProject: 1 }) });
    const answer = await get(`${sim.url}/api/v2/pipeline?org-slug=gh/nobody-here`, { "circle-token": sim.token });
    expect(answer.status).toBe(404);
    expect(answer.json()).toEqual({ message: "Organization does not exist." });
  });
});
