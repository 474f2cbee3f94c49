import { describe, expect, it } from "vitest";
import { TOKEN, delay, sendJson, useFakeCircleCI } from "./support/fake-circleci.js";
import { context, envVar, jobDetails, pipeline, project, user, v1Build, workflow, workflowJob } from "./support/resources.js";

const setUp = useFakeCircleCI();

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

describe("what goes on the wire", () => {
  it("sends Accept: application/json and the token only as the Circle-Token header", async () => {
    const { server, client } = await setUp((_req, res) => sendJson(res, 200, user()));
    await client.me();
    const [seen] = server.requests;
    expect(seen?.headers.accept).toBe("application/json");
    expect(seen?.headers["circle-token"]).toBe(TOKEN);
    expect(seen?.headers.authorization).toBeUndefined();
    expect(seen?.url).toBe("/api/v2/me");
    expect(seen?.url).not.toContain(TOKEN);
    expect(seen?.url).not.toContain("circle-token");
  });

  it("keeps the slashes of a slug raw and encodes each segment on its own", async () => {
    const slug = "gh/acme corp/api#1";
    const { server, client } = await setUp((_req, res) => sendJson(res, 200, project(slug)));
    await client.getProject("gh/acme/api");
    await client.getProject("circleci/43G3kM5RtfFE7v5sa4nWAU/44n9pujWcTnVZ2b5S8Fnat");
    await client.getProject(slug);
    expect(server.requests.map((seen) => seen.url)).toEqual([
      "/api/v2/project/gh/acme/api",
      "/api/v2/project/circleci/43G3kM5RtfFE7v5sa4nWAU/44n9pujWcTnVZ2b5S8Fnat",
      "/api/v2/project/gh/acme%20corp/api%231",
    ]);
  });

  it("URL-encodes query parameters and repeats the filters on every page", async () => {
    const token = "b64+/token=";
    const { server, client } = await setUp((_req, res, seen) => {
      const pageToken = seen.query.get("page-token");
      sendJson(res, 200, { items: [pipeline(pageToken === null ? 1 : 2)], next_page_token: pageToken === null ? token : null });
    });
    const pipelines = await collect(client.listPipelines("gh/acme/api", { branch: "feature/a&b" }));
    expect(pipelines.map((p) => p.number)).toEqual([1, 2]);
    expect(server.requests.map((seen) => seen.url)).toEqual([
      "/api/v2/project/gh/acme/api/pipeline?branch=feature%2Fa%26b",
      "/api/v2/project/gh/acme/api/pipeline?branch=feature%2Fa%26b&page-token=b64%2B%2Ftoken%3D",
    ]);
  });

  it("asks for contexts by owner-id", async () => {
    const orgId = "ec6887ec-7d44-4b31-b468-7e552408ee32";
    const { server, client } = await setUp((_req, res) => sendJson(res, 200, { items: [context(1)], next_page_token: null }));
    const contexts = await collect(client.listContexts(orgId));
    expect(contexts.map((c) => c.name)).toEqual(["context-1"]);
    expect(server.requests[0]?.url).toBe(`/api/v2/context?owner-id=${orgId}`);
  });

  it("keeps a CircleCI Server base path in front of /api/v2", async () => {
    const { server, client } = await setUp((_req, res) => sendJson(res, 200, user()), { baseSuffix: "/circleci/" });
    await client.me();
    expect(server.requests[0]?.url).toBe("/circleci/api/v2/me");
  });

  it("maps v2 slugs to v1.1 paths for job steps and never keeps output_url", async () => {
    const { server, client } = await setUp((_req, res) => sendJson(res, 200, v1Build(42)));
    const steps = await client.getJobSteps("gh/acme/api", 42);
    await client.getJobSteps("bb/acme/api", 42);
    await client.getJobSteps("github/acme/api", 42);
    await client.getJobSteps("circleci/43G3kM5RtfFE7v5sa4nWAU/44n9pujWcTnVZ2b5S8Fnat", 42);
    expect(server.requests.map((seen) => seen.url)).toEqual([
      "/api/v1.1/project/github/acme/api/42",
      "/api/v1.1/project/bitbucket/acme/api/42",
      "/api/v1.1/project/github/acme/api/42",
      "/api/v1.1/project/circleci/43G3kM5RtfFE7v5sa4nWAU/44n9pujWcTnVZ2b5S8Fnat/42",
    ]);
    expect(server.requests.every((seen) => seen.headers.accept === "application/json")).toBe(true);
    expect(steps.build_num).toBe(42);
    expect(steps.steps?.[0]?.actions?.[0]?.run_time_millis).toBe(4000);
    expect(JSON.stringify(steps)).not.toContain("output_url");
    expect(JSON.stringify(steps)).not.toContain("presigned");
    expect(steps).not.toHaveProperty("all_commit_details");
  });

  it("reads every resource from its documented route", async () => {
    const contextId = "0b3c4bd6-3d36-4bd8-a3b8-3cdd5a5c9e9f";
    const routes: Record<string, unknown> = {
      "/api/v2/me": user(),
      "/api/v2/pipeline/p1": pipeline(1),
      "/api/v2/pipeline/p1/workflow": { items: [workflow(1)], next_page_token: null },
      "/api/v2/workflow/w1": workflow(1),
      "/api/v2/workflow/w1/job": { items: [workflowJob(1)] },
      "/api/v2/project/gh/acme/api/job/7": jobDetails(7),
      [`/api/v2/context/${contextId}/environment-variable`]: { items: [envVar("NPM_TOKEN", contextId)], next_page_token: null },
    };
    const { server, client } = await setUp((_req, res, seen) => {
      const body = routes[seen.path];
      if (body === undefined) sendJson(res, 404, { message: "Not Found" });
      else sendJson(res, 200, body);
    });
    expect((await client.me()).login).toBe("octo");
    expect((await client.getPipeline("p1")).number).toBe(1);
    expect((await collect(client.listWorkflows("p1"))).map((w) => w.name)).toEqual(["build-and-test"]);
    expect((await client.getWorkflow("w1")).status).toBe("success");
    expect((await collect(client.listWorkflowJobs("w1"))).map((j) => j.job_number)).toEqual([1]);
    expect((await client.getJobDetails("gh/acme/api", 7)).duration).toBe(60_100);
    expect((await collect(client.listContextEnvVars(contextId))).map((v) => v.variable)).toEqual(["NPM_TOKEN"]);
    expect(server.requests).toHaveLength(7);
  });

  it("reuses keep-alive connections", async () => {
    const { server, client } = await setUp((_req, res) => sendJson(res, 200, user()), { requestsPerSecond: 1000 });
    for (let i = 0; i < 20; i++) await client.me();
    expect(server.requests).toHaveLength(20);
    // undici may open a second socket while the first is finishing its response; never one per request.
    expect(server.connections()).toBeLessThanOrEqual(2);
  });

  it("opens at most `connections` sockets however many requests are in flight", async () => {
    const { server, client } = await setUp(
      async (_req, res) => {
        await delay(20);
        sendJson(res, 200, user());
      },
      { connections: 2, concurrency: 8, requestsPerSecond: 1000 },
    );
    await Promise.all(Array.from({ length: 10 }, () => client.me()));
    expect(server.requests).toHaveLength(10);
    expect(server.connections()).toBe(2);
    expect(server.maxInFlight()).toBe(2);
  });

  it("gives up on a body that stalls longer than the body timeout, and retries", async () => {
    let calls = 0;
    const { server, client } = await setUp(
      (_req, res) => {
        calls += 1;
        if (calls > 1) return sendJson(res, 200, user());
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"id":');
      },
      { timeouts: { bodyMs: 100 } },
    );
    expect((await client.me()).login).toBe("octo");
    expect(server.requests).toHaveLength(2);
    expect(client.stats.requests["GET /me"]).toEqual({ error: 1, "200": 1 });
  });
});
