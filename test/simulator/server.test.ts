import { afterEach, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator, SimulatorOptions } from "../../src/simulator/index.js";
import type { PipelineWire, V1BuildWire, WorkflowJobWire } from "../../src/simulator/model.js";
import { get, walkPages } from "./http.js";
import { CIRCLECI_SLUG, ME, ORG_ID, tinyWorld } from "./tiny-world.js";
import type { TinyWorld } from "./tiny-world.js";

let sim: Simulator | undefined;
let tiny: TinyWorld;

async function start(options: Omit<SimulatorOptions, "world"> = {}): Promise<Simulator> {
  tiny = tinyWorld();
  sim = await startSimulator({ world: tiny.world, tokens: ["CCIPAT_test_token", "CCIPAT_second"], ...options });
  return sim;
}

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const auth = (s: Simulator) => ({ "circle-token": s.token });
const v2 = (s: Simulator, path: string, headers: Record<string, string> = auth(s)) => get(`${s.url}/api/v2${path}`, headers);

describe("authentication", () => {
  it("accepts the Circle-Token header, a Bearer token and Basic with the token as username", async () => {
    const s = await start();
    const basic = `Basic ${Buffer.from(`${s.token}:`).toString("base64")}`;
    const forms: Record<string, string>[] = [{ "circle-token": s.token }, { authorization: `Bearer ${s.token}` }, { authorization: basic }];
    for (const headers of forms) {
      const answer = await v2(s, "/me", headers);
      expect(answer.status).toBe(200);
      expect(answer.json()).toEqual(ME);
    }
    expect((await v2(s, "/me", { "circle-token": "CCIPAT_second" })).status).toBe(200);
  });

  it("answers 401 Invalid token for a missing, unknown or badly formed token, without echoing it", async () => {
    const s = await start();
    const badBasic = `Basic ${Buffer.from(`${s.token}:password`).toString("base64")}`;
    const forms: Record<string, string>[] = [{}, { "circle-token": "CCIPAT_wrong_secret" }, { authorization: "Bearer CCIPAT_wrong_secret" }, { authorization: badBasic }];
    for (const headers of forms) {
      const answer = await v2(s, "/me", headers);
      expect(answer.status).toBe(401);
      expect(answer.text).toBe('{"message":"Invalid token provided."}');
    }
  });

  it("refuses the deprecated circle-token query parameter even next to a good header", async () => {
    const s = await start();
    const answer = await v2(s, `/me?circle-token=${s.token}`);
    expect(answer.status).toBe(401);
    expect(answer.json<{ message: string }>().message).toMatch(/query parameter authentication has been deprecated/);
    expect(answer.text).not.toContain(s.token);
  });

  it("generates one CCIPAT token by default", async () => {
    sim = await startSimulator({ world: tinyWorld().world });
    expect(sim.token).toMatch(/^CCIPAT_[1-9A-HJ-NP-Za-km-z]{22}_[0-9a-f]{40}$/);
    expect((await v2(sim, "/me")).status).toBe(200);
  });
});

describe("projects and slugs", () => {
  it("resolves raw and %2F-encoded slugs in every accepted spelling, circleci/ included", async () => {
    const s = await start();
    const spellings = ["gh/acme/api", "github/acme/api", "gh%2Facme%2Fapi", "github%2Facme%2Fapi"];
    for (const slug of spellings) {
      const answer = await v2(s, `/project/${slug}`);
      expect(answer.status, slug).toBe(200);
      expect(answer.json<{ slug: string }>().slug).toBe("gh/acme/api");
    }
    for (const slug of [CIRCLECI_SLUG, CIRCLECI_SLUG.replaceAll("/", "%2F")]) {
      expect((await v2(s, `/project/${slug}`)).json<{ slug: string }>().slug).toBe(CIRCLECI_SLUG);
    }
    const encodedPipelines = await v2(s, `/project/gh%2Facme%2Fapi/pipeline`);
    expect(encodedPipelines.json<{ items: unknown[] }>().items).toHaveLength(7);
  });

  it("answers hidden and missing projects with the same 404", async () => {
    const s = await start();
    const hidden = await v2(s, "/project/gh/acme/secret");
    const missing = await v2(s, "/project/gh/acme/nope");
    const badVcs = await v2(s, "/project/svn/acme/api");
    for (const answer of [hidden, missing, badVcs]) {
      expect(answer.status).toBe(404);
      expect(answer.text).toBe('{"message":"Project not found"}');
    }
    expect((await v2(s, "/project/gh/acme/secret/pipeline")).text).toBe('{"message":"Project not found"}');
  });

  it("hides the pipelines, workflows and jobs of a hidden project", async () => {
    const s = await start();
    expect((await v2(s, `/pipeline/${tiny.ids.hiddenPipeline}`)).status).toBe(404);
    expect((await v2(s, `/pipeline/${tiny.ids.hiddenPipeline}/workflow`)).status).toBe(404);
    expect((await v2(s, `/workflow/${tiny.ids.hiddenWorkflow}`)).status).toBe(404);
    expect((await v2(s, `/workflow/${tiny.ids.hiddenWorkflow}/job`)).status).toBe(404);
    expect((await v2(s, "/project/gh/acme/secret/job/1")).status).toBe(404);
    tiny.world.setProjectHidden("gh/acme/secret", false);
    expect((await v2(s, `/workflow/${tiny.ids.hiddenWorkflow}`)).status).toBe(200);
  });

  it("answers unknown routes 404 Not Found and other methods on known routes 405, always as compact JSON", async () => {
    const s = await start();
    const unknown = await v2(s, "/projects");
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('{"message":"Not Found"}');
    expect(unknown.headers["content-type"]).toBe("application/json");
    const posted = await fetch(`${s.url}/api/v2/me`, { method: "POST", headers: auth(s) });
    expect(posted.status).toBe(405);
    expect(await posted.json()).toEqual({ message: "Method Not Allowed" });
    const me = await v2(s, "/me");
    expect(me.headers["content-type"]).toBe("application/json");
    expect(me.text).toBe(JSON.stringify(ME));
  });
});

describe("user endpoints", () => {
  it("serves collaborations as a bare array and users by id", async () => {
    const s = await start();
    const collaborations = await v2(s, "/me/collaborations");
    expect(collaborations.json()).toContainEqual(expect.objectContaining({ id: ORG_ID, "vcs-type": "github", slug: "gh/acme", name: "acme" }));
    expect((await v2(s, `/user/${ME.id}`)).json()).toEqual(ME);
    const unknown = await v2(s, "/user/00000000-0000-4000-8000-00000000ffff");
    expect(unknown.status).toBe(404);
  });
});

describe("pipelines", () => {
  it("lists a project's pipelines newest first", async () => {
    const s = await start();
    const { items } = (await v2(s, "/project/gh/acme/api/pipeline")).json<{ items: PipelineWire[] }>();
    expect(items.map((p) => p.id)).toEqual(tiny.ids.pipelines);
    expect(items.map((p) => p.number)).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });

  it("walks small pages collecting every pipeline exactly once, ending with next_page_token null", async () => {
    const s = await start({ pageSize: 2 });
    const { items, pages } = await walkPages<PipelineWire>(`${s.url}/api/v2/project/gh/acme/api/pipeline`, {}, auth(s));
    expect(items.map((p) => p.id)).toEqual(tiny.ids.pipelines);
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 2, 1]);
    expect(pages.at(-1)).toHaveProperty("next_page_token", null);
    for (const page of pages.slice(0, -1)) expect(page.next_page_token).not.toMatch(/^\d+$/);
  });

  it("omits next_page_token on the last page when lastPage is absent", async () => {
    const s = await start({ pageSize: { pipelines: 3 }, lastPage: "absent" });
    const { items, pages } = await walkPages<PipelineWire>(`${s.url}/api/v2/project/gh/acme/api/pipeline`, {}, auth(s));
    expect(items).toHaveLength(7);
    expect(pages).toHaveLength(3);
    expect(Object.keys(pages.at(-1) ?? {})).toEqual(["items"]);
  });

  it("filters by branch, leaving out tag pipelines, when the filter is repeated on every page", async () => {
    const s = await start({ pageSize: 2 });
    const { items } = await walkPages<PipelineWire>(`${s.url}/api/v2/project/gh/acme/api/pipeline`, { branch: "main" }, auth(s));
    expect(items.map((p) => p.id)).toEqual(tiny.ids.mainPipelines);
    expect(items.map((p) => p.id)).not.toContain(tiny.ids.tagPipeline);
  });

  it("answers 404 Not Found for a token used without its filter, garbled, or expired", async () => {
    const s = await start({ pageSize: 2, pageTokenTtlMs: 150 });
    const path = "/project/gh/acme/api/pipeline";
    const first = (await v2(s, `${path}?branch=main`)).json<{ next_page_token: string }>();
    const token = encodeURIComponent(first.next_page_token);
    expect((await v2(s, `${path}?branch=main&page-token=${token}`)).status).toBe(200);
    for (const query of [`page-token=${token}`, `branch=feature%2Fx&page-token=${token}`, "branch=main&page-token=garbage", `branch=main&page-token=x${token}`]) {
      const answer = await v2(s, `${path}?${query}`);
      expect(answer.status, query).toBe(404);
      expect(answer.text).toBe('{"message":"Not Found"}');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await v2(s, `${path}?branch=main&page-token=${token}`)).text).toBe('{"message":"Not Found"}');
  });

  it("neither repeats nor skips pipelines when new ones arrive at the head mid-walk", async () => {
    const s = await start({ pageSize: 3 });
    const path = "/project/gh/acme/api/pipeline";
    const first = (await v2(s, path)).json<{ items: PipelineWire[]; next_page_token: string }>();
    const state = tiny.world.state;
    const newcomer = { ...(state.pipelines.get(tiny.ids.pipelines[0] ?? "") as PipelineWire), id: "00000000-0000-4000-8000-000000000999", number: 8 };
    state.pipelines.set(newcomer.id, newcomer);
    state.pipelinesByProject.set("gh/acme/api", [newcomer.id, ...tiny.ids.pipelines]);
    const rest = await walkPages<PipelineWire>(`${s.url}/api/v2${path}`, {}, auth(s));
    const second = (await v2(s, `${path}?page-token=${encodeURIComponent(first.next_page_token)}`)).json<{ items: PipelineWire[] }>();
    expect([...first.items, ...second.items].map((p) => p.number)).toEqual([7, 6, 5, 4, 3, 2]);
    expect(rest.items.map((p) => p.number)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it("serves one pipeline by project number and by id, 404 otherwise", async () => {
    const s = await start();
    const byNumber = (await v2(s, "/project/gh/acme/api/pipeline/4")).json<PipelineWire>();
    expect(byNumber.id).toBe(tiny.ids.tagPipeline);
    expect((await v2(s, `/pipeline/${tiny.ids.tagPipeline}`)).json()).toEqual(byNumber);
    expect((await v2(s, "/project/gh/acme/api/pipeline/99")).text).toBe('{"message":"Pipeline not found"}');
    expect((await v2(s, "/pipeline/00000000-0000-4000-8000-00000000ffff")).status).toBe(404);
  });
});

describe("workflows and jobs", () => {
  it("lists a pipeline's workflows in creation order and serves each by id", async () => {
    const s = await start({ pageSize: { workflows: 1 } });
    const newest = tiny.ids.pipelines[0];
    const { items } = await walkPages<{ id: string }>(`${s.url}/api/v2/pipeline/${newest}/workflow`, {}, auth(s));
    expect(items.map((w) => w.id)).toEqual([tiny.ids.workflow, tiny.ids.rerunWorkflow]);
    expect((await v2(s, `/workflow/${tiny.ids.rerunWorkflow}`)).json()).toMatchObject({ status: "on_hold", pipeline_id: newest });
    expect((await v2(s, "/workflow/00000000-0000-4000-8000-00000000ffff")).text).toBe('{"message":"Workflow not found"}');
    const noWorkflows = await v2(s, `/pipeline/${tiny.ids.tagPipeline}/workflow`);
    expect(noWorkflows.json()).toEqual({ items: [], next_page_token: null });
  });

  it("pages a workflow's jobs, keeping optional fields omitted", async () => {
    const s = await start({ pageSize: { jobs: 2 } });
    const { items, pages } = await walkPages<WorkflowJobWire>(`${s.url}/api/v2/workflow/${tiny.ids.rerunWorkflow}/job`, {}, auth(s));
    expect(pages).toHaveLength(3);
    expect(items.map((j) => j.id)).toEqual(tiny.ids.jobs);
    const blocked = items.find((j) => j.status === "blocked");
    expect(blocked).not.toHaveProperty("job_number");
    expect(blocked).not.toHaveProperty("started_at");
  });

  it("serves job details by number, and 404 for approval jobs and unknown numbers", async () => {
    const s = await start();
    expect((await v2(s, "/project/gh/acme/api/job/101")).json()).toMatchObject({ number: 101, name: "build", status: "success" });
    expect((await v2(s, "/project/github%2Facme%2Fapi/job/102")).json()).toMatchObject({ number: 102, duration: null });
    for (const number of ["103", "999", "abc"]) {
      const answer = await v2(s, `/project/gh/acme/api/job/${number}`);
      expect(answer.status, number).toBe(404);
      expect(answer.text).toBe('{"message":"Job not found"}');
    }
  });
});

describe("contexts", () => {
  it("lists an organization's contexts by owner-id or owner-slug", async () => {
    const s = await start({ pageSize: { contexts: 2 } });
    const byId = await walkPages<{ id: string }>(`${s.url}/api/v2/context`, { "owner-id": ORG_ID }, auth(s));
    expect(byId.items.map((c) => c.id)).toEqual(tiny.ids.contexts);
    expect(byId.pages).toHaveLength(2);
    for (const slug of ["gh/acme", "github/acme"]) {
      const bySlug = await walkPages<{ id: string }>(`${s.url}/api/v2/context`, { "owner-slug": slug, "owner-type": "organization" }, auth(s));
      expect(bySlug.items.map((c) => c.id)).toEqual(tiny.ids.contexts);
    }
  });

  it("answers 404 Organization does not exist for a missing or unknown owner", async () => {
    const s = await start();
    for (const query of ["", "?owner-id=00000000-0000-4000-8000-00000000ffff", "?owner-slug=gh/nobody"]) {
      const answer = await v2(s, `/context${query}`);
      expect(answer.status).toBe(404);
      expect(answer.text).toBe('{"message":"Organization does not exist."}');
    }
  });

  it("serves a context by id: 400 for a malformed id, 404 for an unknown one", async () => {
    const s = await start();
    const [id] = tiny.ids.contexts;
    expect((await v2(s, `/context/${id}`)).json()).toMatchObject({ id, name: "deploy-keys" });
    const bad = await v2(s, "/context/not-a-uuid");
    expect(bad.status).toBe(400);
    expect(bad.text).toBe('{"message":"context_id is invalid."}');
    const unknown = await v2(s, "/context/00000000-0000-4000-8000-00000000ffff/environment-variable");
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('{"message":"Context not found."}');
  });

  it("pages a context's environment variable names", async () => {
    const s = await start({ pageSize: { envVars: 2 } });
    const { items, pages } = await walkPages<{ variable: string }>(`${s.url}/api/v2/context/${tiny.ids.contexts[0]}/environment-variable`, {}, auth(s));
    expect(items.map((v) => v.variable)).toEqual(["AWS_KEY", "AWS_SECRET", "REGION"]);
    expect(pages).toHaveLength(2);
  });
});

describe("v1.1 single job", () => {
  const path = "/api/v1.1/project/github/acme/api/101";

  it("answers EDN-ish text without Accept: application/json, so a client that forgets the header fails", async () => {
    const s = await start();
    const answer = await get(`${s.url}${path}`, auth(s));
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toMatch(/^text\/plain/);
    expect(answer.text).toMatch(/^\{:build_num 101, /);
    expect(() => answer.json()).toThrow(SyntaxError);
  });

  it("serves JSON with fresh output_urls that need no auth, serve log chunks, and are never stored", async () => {
    const s = await start();
    const answer = await get(`${s.url}/api/v1.1/project/gh/acme/api/101`, { ...auth(s), accept: "application/json" });
    expect(answer.headers["content-type"]).toBe("application/json");
    const build = answer.json<V1BuildWire>();
    expect(build.build_num).toBe(101);
    const actions = (build.steps ?? []).flatMap((step) => step.actions);
    expect(actions.map((a) => a.output_url === undefined)).toEqual([false, false, true]);
    const output = await get(actions[1]?.output_url ?? "");
    expect(output.status).toBe(200);
    const chunks = output.json<{ message: string; type: string; time: string }[]>();
    expect(chunks[0]).toEqual({ message: expect.stringContaining("npm test"), type: "out", time: actions[1]?.start_time });
    expect(chunks.at(-1)?.message).toContain("exit status 1");
    const stored = tiny.world.state.builds.get("gh/acme/api#101");
    expect(stored?.steps?.flatMap((step) => step.actions).some((a) => "output_url" in a)).toBe(false);
  });

  it("expires output_urls and refuses forged ones", async () => {
    const s = await start({ outputUrlTtlMs: 100 });
    const build = (await get(`${s.url}${path}`, { ...auth(s), accept: "application/json" })).json<V1BuildWire>();
    const url = build.steps?.[0]?.actions[0]?.output_url ?? "";
    expect((await get(url)).status).toBe(200);
    expect((await get(`${url}x`)).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await get(url)).status).toBe(403);
  });

  it("answers 404 for hidden projects and unknown builds, and 401 without a token", async () => {
    const s = await start();
    const json = { ...auth(s), accept: "application/json" };
    expect((await get(`${s.url}/api/v1.1/project/gh/acme/secret/1`, json)).text).toBe('{"message":"Project not found"}');
    expect((await get(`${s.url}/api/v1.1/project/gh/acme/api/999`, json)).status).toBe(404);
    expect((await get(`${s.url}${path}`, { accept: "application/json" })).status).toBe(401);
  });
});

describe("counters and concurrency", () => {
  it("counts every request by endpoint template and by outcome", async () => {
    const s = await start();
    await v2(s, "/project/gh/acme/api/pipeline");
    await v2(s, "/project/gh%2Facme%2Fapi/pipeline");
    await v2(s, "/project/gh/acme/nope/pipeline");
    await v2(s, "/me", {});
    await v2(s, "/nowhere");
    expect(s.counters.total()).toBe(5);
    expect(s.counters.byEndpoint()).toEqual({ "GET /project/{slug}/pipeline": 3, "GET /me": 1, "GET (unknown route)": 1 });
    expect(s.counters.byStatus()).toEqual({ "200": 2, "404": 2, "401": 1 });
    s.counters.reset();
    expect(s.counters.total()).toBe(0);
    expect(s.counters.byEndpoint()).toEqual({});
  });

  it("serves requests concurrently under latency, and delays errors too", async () => {
    const s = await start({ latencyMs: 100 });
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 10 }, () => v2(s, "/me")));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(s.counters.maxInFlight()).toBeGreaterThanOrEqual(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    s.setLatency(60);
    const before = Date.now();
    expect((await v2(s, "/me", {})).status).toBe(401);
    expect(Date.now() - before).toBeGreaterThanOrEqual(50);
  });

  it("advances a live world on a timer and stops with the simulator", async () => {
    const world = tinyWorld().world;
    const initialNow = world.state.now;
    sim = await startSimulator({ world, live: { tickMs: 20, speed: 1000 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sim.stop();
    const advanced = world.state.now - initialNow;
    expect(advanced).toBeGreaterThanOrEqual(20_000);
    expect(advanced % 20_000).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(world.state.now - initialNow).toBe(advanced);
    await sim.stop();
  });
  it("freezes a live world and sets it going again (setLive)", async () => {
    const world = tinyWorld().world;
    sim = await startSimulator({ world, live: { tickMs: 20, speed: 1000 } });
    sim.setLive(null);
    const frozenAt = world.state.now;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(world.state.now).toBe(frozenAt);
    sim.setLive({ tickMs: 20, speed: 10 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const moved = world.state.now - frozenAt;
    expect(moved).toBeGreaterThanOrEqual(200);
    expect(moved % 200).toBe(0);
    await sim.stop();
  });
});
