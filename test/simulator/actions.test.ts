import { request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import type { PipelineWire, WorkflowJobWire, WorkflowWire } from "../../src/simulator/model.js";
import { TRIGGER_SETUP_MS } from "../../src/simulator/routes-actions.js";
import { createWorld } from "../../src/simulator/world.js";
import type { World } from "../../src/simulator/world.js";
import { loadOpenApi, responseValidator } from "../support/openapi.js";
import { get, post } from "./http.js";
import type { Answer } from "./http.js";
import { awaitingApproval, failedWorkflow, ghSlug, heldWorkflow, jobsOf, runningBuildJob } from "./world-fixtures.js";
import { serialize } from "./world-inspection.js";

/** The write endpoints over real HTTP against a generated world: answers, effects on the world, refusals. */

const NOW = Date.parse("2025-06-01T12:00:00.000Z");
const spec = loadOpenApi("test/fixtures/openapi-v2.json");

let sim: Simulator;
let world: World;

beforeEach(async () => {
  world = createWorld({ seed: 5, now: NOW, projects: 3, pipelinesPerProject: 4, historyDays: 1 });
  sim = await startSimulator({ world });
});

afterEach(async () => {
  await sim.stop();
});

const auth = (token = sim.token) => ({ "circle-token": token });
const write = (path: string, body?: unknown, token?: string) => post(`${sim.url}/api/v2${path}`, body, auth(token));
const read = (path: string) => get(`${sim.url}/api/v2${path}`, auth());
const circleciSlug = () => [...world.state.projects.keys()].find((slug) => slug.startsWith("circleci/")) as string;

function expectAnswer(answer: Answer, status: number, operationId: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(responseValidator(spec, operationId, [], String(status)).validate(answer.json())).toEqual([]);
}

function expectRefusal(answer: Answer, status: number, message: string): void {
  expect({ status: answer.status, body: answer.json() }).toEqual({ status, body: { message } });
}

describe("POST /project/{slug}/pipeline", () => {
  it("creates the pipeline at once, pending and without workflows, which start a moment later", async () => {
    const slug = ghSlug(world);
    const answer = await write(`/project/${slug}/pipeline`, { branch: "feature/api", parameters: { deploy: true, retries: 2 } });
    expectAnswer(answer, 201, "triggerPipeline");
    const created = answer.json<{ id: string; state: string; number: number; created_at: string }>();
    expect(created.state).toBe("pending");
    expect(world.state.pipelinesByProject.get(slug)?.[0]).toBe(created.id);

    const pipeline = (await read(`/pipeline/${created.id}`)).json<PipelineWire>();
    expect(pipeline).toMatchObject({ number: created.number, state: "pending", created_at: created.created_at });
    expect(pipeline.trigger).toMatchObject({ type: "api", actor: { login: world.me.login } });
    expect(pipeline.vcs?.branch).toBe("feature/api");
    expect((await read(`/pipeline/${created.id}/workflow`)).json()).toEqual({ items: [], next_page_token: null });

    world.advance(TRIGGER_SETUP_MS);
    expect((await read(`/pipeline/${created.id}`)).json<PipelineWire>().state).toBe("created");
    const workflows = (await read(`/pipeline/${created.id}/workflow`)).json<{ items: WorkflowWire[] }>().items;
    expect(workflows.length).toBeGreaterThan(0);
    expect(workflows.every((w) => w.status === "running")).toBe(true);

    expect(sim.counters.byEndpoint()["POST /project/{slug}/pipeline"]).toBe(1);
    expect(sim.counters.bodies("POST /project/{slug}/pipeline")).toEqual(['{"branch":"feature/api","parameters":{"deploy":true,"retries":2}}']);
  });

  it("runs a tag, or the default branch when the body names no ref or there is no body", async () => {
    const slug = ghSlug(world);
    const tagged = (await write(`/project/${slug}/pipeline`, { tag: "v1.2.3" })).json<{ id: string }>();
    expect(world.state.pipelines.get(tagged.id)?.vcs).toMatchObject({ tag: "v1.2.3" });
    expect(world.state.pipelines.get(tagged.id)?.vcs?.branch).toBeUndefined();
    const defaultBranch = world.state.projects.get(slug)?.vcs_info.default_branch;
    for (const body of [{}, undefined, null]) {
      const answer = await write(`/project/${slug}/pipeline`, body);
      expect(answer.status).toBe(201);
      expect(world.state.pipelines.get(answer.json<{ id: string }>().id)?.vcs?.branch).toBe(defaultBranch);
    }
    expect(sim.counters.bodies("POST /project/{slug}/pipeline")).toEqual(['{"tag":"v1.2.3"}', "{}", "", "null"]);
  });

  it("refuses bad bodies, unknown and hidden projects and GitHub App projects, creating nothing", async () => {
    const slug = ghSlug(world);
    const hidden = [...world.state.projects.keys()][1] as string;
    world.setProjectHidden(hidden, true);
    const before = serialize(world.state);
    expectRefusal(await write(`/project/${slug}/pipeline`, { branch: "main", tag: "v1" }), 400, "Invalid input");
    expectRefusal(await write(`/project/${slug}/pipeline`, { branch: "" }), 400, "Invalid input");
    expectRefusal(await write(`/project/${slug}/pipeline`, { parameters: { nested: { no: 1 } } }), 400, "Invalid input");
    expectRefusal(await write(`/project/${slug}/pipeline`, { parameters: { long: "x".repeat(513) } }), 400, "Invalid input");
    const garbled = await request(`${sim.url}/api/v2/project/${slug}/pipeline`, { method: "POST", headers: auth(), body: "{branch:" });
    expect({ status: garbled.statusCode, body: await garbled.body.json() }).toEqual({ status: 400, body: { message: "Invalid JSON body." } });
    expectRefusal(await write(`/project/gh/nobody/nothing/pipeline`, { branch: "main" }), 404, "Project not found");
    expectRefusal(await write(`/project/${hidden}/pipeline`, { branch: "main" }), 404, "Project not found");
    expectRefusal(
      await write(`/project/${circleciSlug()}/pipeline`, { branch: "main" }),
      400,
      "This endpoint does not support triggering pipelines integrated with GitLab or GitHub App.",
    );
    expect(serialize(world.state)).toBe(before);
  });
});

describe("POST /project/{slug}/pipeline/run", () => {
  it("triggers a GitHub App project on the checkout ref", async () => {
    const slug = circleciSlug();
    const body = {
      definition_id: "2338d0ae-5541-4bbf-88a2-55e9f7281f80",
      config: { branch: "main" },
      checkout: { tag: "v2" },
      parameters: { example_param: "my value", example_param2: true, example_param3: 3 },
    };
    const answer = await write(`/project/${slug}/pipeline/run`, body);
    expectAnswer(answer, 201, "triggerPipelineRun");
    const created = answer.json<{ id: string; state: string }>();
    expect(created.state).toBe("pending");
    expect(world.state.pipelines.get(created.id)).toMatchObject({ project_slug: slug, vcs: { tag: "v2" } });
    const onConfigRef = (await write(`/project/${slug}/pipeline/run`, { config: { branch: "release" } })).json<{ id: string }>();
    expect(world.state.pipelines.get(onConfigRef.id)?.vcs?.branch).toBe("release");
    expect(sim.counters.byEndpoint()["POST /project/{slug}/pipeline/run"]).toBe(2);
  });

  it("refuses fields it does not know, both a branch and a tag, and unknown projects", async () => {
    const slug = circleciSlug();
    const before = world.state.pipelines.size;
    expectRefusal(await write(`/project/${slug}/pipeline/run`, { branch: "main" }), 400, "Unexpected request body provided.");
    expectRefusal(await write(`/project/${slug}/pipeline/run`, { checkout: { branch: "a", tag: "b" } }), 400, "Unexpected request body provided.");
    expectRefusal(await write(`/project/${slug}/pipeline/run`, { definition_id: "not-a-uuid" }), 400, "Unexpected request body provided.");
    expectRefusal(await write(`/project/circleci/nobody/nothing/pipeline/run`, {}), 404, "Project does not exist.");
    expect(world.state.pipelines.size).toBe(before);
  });
});

describe("POST /workflow/{id}/rerun", () => {
  it("from failed adds a workflow to the same pipeline, carrying the successful jobs over", async () => {
    const failed = failedWorkflow(world);
    const answer = await write(`/workflow/${failed.id}/rerun`, { from_failed: true });
    expectAnswer(answer, 202, "rerunWorkflow");
    const { workflow_id: rerunId } = answer.json<{ workflow_id: string }>();
    const listed = (await read(`/pipeline/${failed.pipeline_id}/workflow`)).json<{ items: WorkflowWire[] }>().items;
    expect(listed.at(-1)).toMatchObject({ id: rerunId, name: failed.name, status: "running", started_by: world.me.id });
    const succeeded = jobsOf(world, failed.id).filter((job) => job.status === "success");
    const rerunIds = new Set(jobsOf(world, rerunId).map((job) => job.id));
    for (const job of succeeded) expect(rerunIds.has(job.id)).toBe(true);
    expect(jobsOf(world, failed.id).filter((job) => rerunIds.has(job.id))).toEqual(succeeded);
  });

  it("refuses a workflow still running, an unknown one, and bodies that do not fit", async () => {
    const failed = failedWorkflow(world);
    const { workflow: running } = heldWorkflow(world);
    const [job] = jobsOf(world, failed.id) as [WorkflowJobWire];
    const before = world.state.workflows.size;
    expectRefusal(await write(`/workflow/${running.id}/rerun`, {}), 400, "Workflow must be in a terminal state to be rerun");
    expectRefusal(await write(`/workflow/00000000-0000-4000-8000-000000000000/rerun`, {}), 404, "Workflow not found");
    for (const body of [{ from_failed: true, jobs: [job.id] }, { enable_ssh: true }, { sparse_tree: true, from_failed: true }, { jobs: ["00000000-0000-4000-8000-000000000000"] }]) {
      expectRefusal(await write(`/workflow/${failed.id}/rerun`, body), 400, "Unexpected request body provided.");
    }
    expect(world.state.workflows.size).toBe(before);
    expect((await write(`/workflow/${failed.id}/rerun`, { jobs: [job.id], enable_ssh: true })).status).toBe(202);
  });
});

describe("approve and cancel", () => {
  it("approving moves the approval job to success and releases what waits on it", async () => {
    const { workflow, approval } = awaitingApproval(world);
    const answer = await write(`/workflow/${workflow.id}/approve/${approval.approval_request_id}`);
    expectAnswer(answer, 202, "approvePendingApprovalJobById");
    expect(answer.json()).toEqual({ message: "Accepted." });
    const jobs = (await read(`/workflow/${workflow.id}/job`)).json<{ items: WorkflowJobWire[] }>().items;
    expect(jobs.find((job) => job.id === approval.id)).toMatchObject({ status: "success", approved_by: world.me.id });
    const released = jobs.filter((job) => job.dependencies.includes(approval.id));
    expect(released.length).toBeGreaterThan(0);
    for (const job of released) expect(job.status).toBe("queued");

    expectRefusal(await write(`/workflow/${workflow.id}/approve/${approval.approval_request_id}`), 400, "Job is not on hold.");
    expectRefusal(await write(`/workflow/${workflow.id}/approve/00000000-0000-4000-8000-000000000000`), 404, "Approval request not found");
    expectRefusal(await write(`/workflow/00000000-0000-4000-8000-000000000000/approve/${approval.id}`), 404, "Workflow not found");
  });

  it("canceling a workflow stops its live jobs and ends it canceled", async () => {
    const { workflow, approval } = heldWorkflow(world);
    const answer = await write(`/workflow/${workflow.id}/cancel`);
    expectAnswer(answer, 202, "cancelWorkflow");
    expect(answer.json()).toEqual({ message: "Accepted." });
    expect((await read(`/workflow/${workflow.id}`)).json()).toMatchObject({ status: "canceled", canceled_by: world.me.id });
    expect(approval.status).toBe("canceled");
    expect((await write(`/workflow/${workflow.id}/cancel`)).status).toBe(202);
    expectRefusal(await write(`/workflow/00000000-0000-4000-8000-000000000000/cancel`), 404, "Workflow not found");
  });

  it("cancels a job by its number or by its id", async () => {
    const slug = ghSlug(world);
    const byNumber = runningBuildJob(world);
    const answer = await write(`/project/${slug}/job/${byNumber.job_number}/cancel`);
    expectAnswer(answer, 200, "cancelJobByJobNumber");
    expect(answer.json()).toEqual({ message: "Accepted." });
    expect((await read(`/project/${slug}/job/${byNumber.job_number}`)).json()).toMatchObject({ status: "canceled" });

    const byId = runningBuildJob(world);
    const again = await write(`/jobs/${byId.id}/cancel`);
    expectAnswer(again, 200, "cancelJobByJobID");
    expect(byId).toMatchObject({ status: "canceled", canceled_by: world.me.id });

    expectRefusal(await write(`/project/${slug}/job/999999/cancel`), 404, "Job not found");
    expectRefusal(await write(`/jobs/00000000-0000-4000-8000-000000000000/cancel`), 404, "Job not found");
    expectRefusal(await write(`/project/gh/nobody/nothing/job/1/cancel`), 404, "Project not found");
  });
});

describe("access and faults", () => {
  it("a read-only token reads, and every write answers it 403 and changes nothing", async () => {
    const { workflow, approval } = heldWorkflow(world);
    const job = jobsOf(world, workflow.id).find((candidate) => candidate.job_number !== undefined) as WorkflowJobWire;
    const slug = ghSlug(world);
    expect((await get(`${sim.url}/api/v2/project/${slug}`, auth(sim.readOnlyToken))).status).toBe(200);
    const before = serialize(world.state);
    const writes = [
      `/project/${slug}/pipeline`,
      `/project/${circleciSlug()}/pipeline/run`,
      `/workflow/${workflow.id}/rerun`,
      `/workflow/${workflow.id}/cancel`,
      `/workflow/${workflow.id}/approve/${approval.id}`,
      `/project/${slug}/job/${job.job_number}/cancel`,
      `/jobs/${job.id}/cancel`,
    ];
    for (const path of writes) expectRefusal(await write(path, {}, sim.readOnlyToken), 403, "Permission denied");
    expectRefusal(await write(`/project/${slug}/pipeline`, {}, "CCIPAT_unknown"), 401, "Invalid token provided.");
    expect(serialize(world.state)).toBe(before);
    expect(sim.counters.byStatus()).toEqual({ "200": 1, "401": 1, "403": writes.length });
  });

  it("lost-answer carries the trigger out and then cuts the connection; reset cuts it before", async () => {
    const slug = ghSlug(world);
    const endpoint = "POST /project/{slug}/pipeline";
    const before = world.state.pipelines.size;
    sim.inject({ kind: "lost-answer", endpoint });
    await expect(write(`/project/${slug}/pipeline`, { branch: "main" })).rejects.toThrow();
    expect(world.state.pipelines.size).toBe(before + 1);
    sim.inject({ kind: "reset", endpoint });
    await expect(write(`/project/${slug}/pipeline`, { branch: "main" })).rejects.toThrow();
    expect(world.state.pipelines.size).toBe(before + 1);
    expect(sim.counters.byStatus()).toEqual({ "lost-answer": 1, reset: 1 });
    expect(sim.counters.bodies(endpoint)).toEqual(['{"branch":"main"}', '{"branch":"main"}']);
  });

  it("answers 405 for a POST to a read-only route and a GET of a write-only one", async () => {
    expectRefusal(await write("/me", {}), 405, "Method Not Allowed");
    const workflow = [...world.state.workflows.keys()][0] as string;
    expectRefusal(await read(`/workflow/${workflow}/cancel`), 405, "Method Not Allowed");
    expect(sim.counters.byEndpoint()).toEqual({ "POST /me": 1, "GET /workflow/{id}/cancel": 1 });
  });
});
