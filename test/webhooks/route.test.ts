import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import type { Workflow, WorkflowJob } from "../../src/circleci/index.js";
import { createGatewayServer } from "../../src/server/index.js";
import type { GatewayServer } from "../../src/server/index.js";
import { circleciWebhookRouter, WEBHOOK_PATH } from "../../src/webhooks/route.js";
import { signBody } from "../../src/webhooks/signature.js";
import { startRig } from "../sync/harness.js";
import type { SyncRig } from "../sync/harness.js";
import { createTinySchema } from "../server/tiny-schema.js";

const SECRET = "whsec-0f3a9c2e-do-not-log";
const MAX_BODY_BYTES = 4096;

let rig: SyncRig;
let server: GatewayServer;
let endpoint: string;
const logLines: string[] = [];

beforeAll(async () => {
  rig = await startRig();
  await rig.engine.runCycle();
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
  const tiny = createTinySchema();
  // The gateway server, so the route is reached as in production: no API key, beside GraphQL.
  server = createGatewayServer({
    schema: tiny.schema,
    context: tiny.context,
    port: 0,
    logger,
    selfAuthenticatedRoutes: circleciWebhookRouter({ secret: SECRET, writer: rig.writer, maxBodyBytes: MAX_BODY_BYTES, logger }),
  });
  endpoint = `${new URL(await server.listen()).origin}${WEBHOOK_PATH}`;
});

afterAll(async () => {
  await server.close();
  await rig.close();
});

beforeEach(async () => {
  await rig.takeEvents();
});

/** `signature: null` sends none. */
function post(body: string, signature: string | null = signBody(body, SECRET)): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["circleci-signature"] = signature;
  return fetch(endpoint, { method: "POST", headers, body });
}

const common = {
  id: "3888f21b-eaa7-38e3-8f3d-75a63bba8895",
  happened_at: "2025-06-01T12:00:01.123456Z",
  webhook: { id: "cf8c4fdd-0587-4da1-b4ca-4846e9640af9", name: "gateway" },
  organization: { id: "f22b6566-597d-46d5-ba74-99ef5bb3d85c", name: "acme" },
};

function workflowCompleted(workflow: Workflow, status: string, stoppedAt: string): string {
  return JSON.stringify({
    ...common,
    type: "workflow-completed",
    project: { id: "5a4f9e5d-0000-4000-8000-000000000000", slug: workflow.project_slug, name: "api" },
    pipeline: { id: workflow.pipeline_id, number: workflow.pipeline_number },
    workflow: { id: workflow.id, name: workflow.name, status, created_at: workflow.created_at, stopped_at: stoppedAt, url: "https://app.circleci.com/x" },
  });
}

function jobCompleted(workflow: Workflow, job: WorkflowJob, status: string, stoppedAt: string): string {
  const payload = JSON.parse(workflowCompleted(workflow, workflow.status, stoppedAt)) as Record<string, unknown>;
  return JSON.stringify({
    ...payload,
    type: "job-completed",
    job: { id: job.id, name: job.name, number: job.job_number ?? null, status, started_at: job.started_at ?? null, stopped_at: stoppedAt },
  });
}

/** A workflow the store holds as running, with a job it holds as not terminal. */
async function storedRunningWorkflow(): Promise<{ workflow: Workflow; job: WorkflowJob }> {
  for (const id of rig.sim.world.state.workflows.keys()) {
    const [workflow] = await rig.store.getWorkflows([id]);
    if (workflow?.status !== "running") continue;
    const [jobs] = await rig.store.getJobsOf([id]);
    const job = jobs?.find((candidate) => candidate.status === "running" || candidate.status === "queued");
    if (job !== undefined) return { workflow, job };
  }
  throw new Error("the simulated world has no running workflow with a live job");
}

describe("POST /webhooks/circleci: refusals", () => {
  const ping = JSON.stringify({ ...common, type: "ping" });

  it("401 without a signature, with a wrong one, or signed under another secret", async () => {
    for (const signature of [null, "v1=00ff", signBody(ping, "not-the-secret")]) {
      const response = await post(ping, signature);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ errors: [{ message: "missing or wrong circleci-signature" }] });
    }
  });

  it("401 when the body was changed after signing", async () => {
    expect((await post(`${ping} `, signBody(ping, SECRET))).status).toBe(401);
  });

  it("413 for a body over the limit, and the limit itself is accepted", async () => {
    const padded = (length: number) => JSON.stringify({ type: "ping", pad: "x".repeat(length - '{"type":"ping","pad":""}'.length) });
    expect((await post(padded(MAX_BODY_BYTES))).status).toBe(202);
    expect((await post(padded(MAX_BODY_BYTES + 1))).status).toBe(413);
  });

  it("400 naming the problem for a body that is not JSON or not a CircleCI event", async () => {
    const notJson = await post("type=workflow-completed");
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ errors: [{ message: "the body is not JSON" }] });

    const noWorkflow = await post(JSON.stringify({ ...common, type: "workflow-completed" }));
    expect(noWorkflow.status).toBe(400);
    expect(JSON.stringify(await noWorkflow.json())).toMatch(/workflow/);

    const noType = await post(JSON.stringify(common));
    expect(noType.status).toBe(400);
    expect(JSON.stringify(await noType.json())).toMatch(/type/);
  });

  it("202 for an event type it does not apply, without touching the bus", async () => {
    const response = await post(ping);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ ignored: "ping" });
    expect(await rig.takeEvents()).toEqual([]);
  });
});

describe("POST /webhooks/circleci: applying events", () => {
  it("a workflow-completed for a running workflow updates the store at once and publishes exactly one event", async () => {
    const { workflow } = await storedRunningWorkflow();
    const stoppedAt = "2025-06-01T12:00:01.123456Z";
    const response = await post(workflowCompleted(workflow, "success", stoppedAt));
    expect(response.status).toBe(200);
    expect(await rig.store.getWorkflows([workflow.id])).toEqual([{ ...workflow, status: "success", stopped_at: stoppedAt }]);
    expect(await rig.takeEvents()).toEqual([
      {
        type: "workflow.status_changed",
        projectSlug: workflow.project_slug,
        workflow: { ...workflow, status: "success", stopped_at: stoppedAt },
        previousStatus: "running",
      },
    ]);

    // CircleCI delivers again: nothing changes, nothing is published.
    expect((await post(workflowCompleted(workflow, "success", stoppedAt))).status).toBe(200);
    // Out of order: an older completion arrives late.
    expect((await post(workflowCompleted(workflow, "failed", "2025-06-01T12:00:01.123455Z"))).status).toBe(200);
    expect(await rig.store.getWorkflows([workflow.id])).toEqual([{ ...workflow, status: "success", stopped_at: stoppedAt }]);
    expect(await rig.takeEvents()).toEqual([]);
  });

  it("a job-completed updates that job in its workflow's list, keeps the others, and publishes one event", async () => {
    const { workflow, job } = await storedRunningWorkflow();
    const [jobsBefore] = await rig.store.getJobsOf([workflow.id]);
    const stoppedAt = "2025-06-01T12:00:02.000001Z";
    expect((await post(jobCompleted(workflow, job, "failed", stoppedAt))).status).toBe(200);
    const revised = { ...job, status: "failed", stopped_at: stoppedAt };
    expect(await rig.store.getJobsOf([workflow.id])).toEqual([jobsBefore?.map((each) => (each.id === job.id ? revised : each))]);
    expect(await rig.takeEvents()).toEqual([
      { type: "job.status_changed", projectSlug: job.project_slug, workflowId: workflow.id, job: revised, previousStatus: job.status },
    ]);

    expect((await post(jobCompleted(workflow, job, "failed", stoppedAt))).status).toBe(200);
    expect(await rig.takeEvents()).toEqual([]);
  });

  it("an event for a workflow the store does not hold writes nothing (the sync will fetch it)", async () => {
    const { workflow } = await storedRunningWorkflow();
    const unknown = { ...workflow, id: "00000000-0000-4000-8000-00000000dead" };
    expect((await post(workflowCompleted(unknown, "success", "2025-06-01T12:00:03Z"))).status).toBe(200);
    expect(await rig.store.getWorkflows([unknown.id])).toEqual([undefined]);
    expect(await rig.takeEvents()).toEqual([]);
  });

  it("never logs the secret", () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join("\n")).not.toContain(SECRET);
  });
});
