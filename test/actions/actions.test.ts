import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ActionInputError, ActionOutcomeUnknownError, ActionService, ActionUnreadError } from "../../src/actions/index.js";
import type { CallerActions } from "../../src/actions/index.js";
import { BadRequestError, OutcomeUnknownError } from "../../src/circleci/index.js";
import { createLoaderFactory } from "../../src/loaders/index.js";
import type { LoaderFactory } from "../../src/loaders/index.js";
import { silentLogger } from "../../src/log.js";
import { TRIGGER_SETUP_MS } from "../../src/simulator/routes-actions.js";
import { awaitingApproval, failedWorkflow, ghSlug, heldWorkflow, jobsOf, runningBuildJob, workflowsOf } from "../simulator/world-fixtures.js";
import { waitFor } from "../server/wait-for.js";
import { eventKey, startRig } from "../sync/harness.js";
import type { SyncRig } from "../sync/harness.js";

/**
 * The actions against the simulator, in process: a synced embedded store, the writer, the loaders. What each sends
 * (the simulator's counters), what it answers, what it stores and announces, what it refuses before sending.
 */
const CALLER = { scope: "write:0", access: "write" as const, name: "key sha256:00000000" };
const TRIGGER = "POST /project/{slug}/pipeline";

let rig: SyncRig;
let factory: LoaderFactory;
let service: ActionService;
let actions: CallerActions;

beforeEach(async () => {
  rig = await startRig();
  factory = createLoaderFactory({ store: rig.store, client: rig.client, writer: rig.writer, invalidations: rig.invalidations });
  service = new ActionService({
    client: rig.client,
    store: rig.store,
    writer: rig.writer,
    invalidations: rig.invalidations,
    loaders: factory,
    projectSlugs: rig.slugs,
    logger: silentLogger,
    timing: { effects: { followMs: 5000 }, idempotency: { waitMs: 2000 } },
  });
  actions = service.forCaller(CALLER);
});

afterEach(async () => {
  await service.close();
  await factory.close();
  await rig.close();
});

/** A first cycle over what the world holds now; its events are discarded and the counters start afresh. */
async function synced(): Promise<void> {
  await rig.engine.runCycle();
  await rig.takeEvents();
  rig.sim.counters.reset();
}

const posts = () => Object.entries(rig.sim.counters.byEndpoint()).filter(([endpoint]) => endpoint.startsWith("POST "));

describe("triggerPipeline", () => {
  it("sends one trigger, answers the pending pipeline, stores and announces it, keeps it active, then follows its workflows", async () => {
    await synced();
    const slug = ghSlug(rig.sim.world);
    const pipeline = await actions.triggerPipeline({ projectSlug: slug, branch: "feature/api", parameters: { deploy: true } });
    expect(pipeline).toMatchObject({ state: "pending", project_slug: slug, vcs: { branch: "feature/api" } });
    expect(rig.sim.counters.bodies(TRIGGER)).toEqual(['{"branch":"feature/api","parameters":{"deploy":true}}']);
    expect(await rig.store.getPipelines([pipeline.id])).toEqual([pipeline]);
    expect((await rig.store.listActivePipelines()).map(({ id }) => id)).toContain(pipeline.id);
    expect(await rig.takeEvents()).toEqual([{ type: "pipeline.created", projectSlug: slug, pipeline }]);

    rig.sim.world.advance(TRIGGER_SETUP_MS);
    const workflows = () => workflowsOf(rig.sim.world, pipeline.id);
    await waitFor("the pipeline's workflows in the store", async () => ((await rig.store.getWorkflowsOf([pipeline.id]))[0]?.length ?? 0) > 0);
    expect((await rig.store.getWorkflowsOf([pipeline.id]))[0]?.map(({ id }) => id)).toEqual(workflows().map(({ id }) => id));
    const announced = (await rig.takeEvents()).map(eventKey);
    for (const workflow of workflows()) expect(announced).toContain(`workflow ${workflow.id} null -> ${workflow.status}`);
    expect(rig.sim.counters.bodies(TRIGGER)).toHaveLength(1);
  });

  it("answers the first result to a repeated idempotency key without sending again, and refuses the key for other arguments", async () => {
    await synced();
    const slug = ghSlug(rig.sim.world);
    const first = await actions.triggerPipeline({ projectSlug: slug, branch: "main", idempotencyKey: "k-1" });
    const again = await actions.triggerPipeline({ projectSlug: slug, branch: "main", idempotencyKey: "k-1" });
    expect(again.id).toBe(first.id);
    await expect(actions.triggerPipeline({ projectSlug: slug, branch: "other", idempotencyKey: "k-1" })).rejects.toThrow(/was used for this action with other arguments/);
    const other = await actions.triggerPipeline({ projectSlug: slug, branch: "main", idempotencyKey: "k-2" });
    expect(other.id).not.toBe(first.id);
    expect(rig.sim.counters.bodies(TRIGGER)).toHaveLength(2);
    expect(service.stats.triggerPipeline).toEqual({ ok: 2, replayed: 1, bad_input: 1 });
  });

  it("says the outcome is unknown when the answer is lost after CircleCI acted, and never sends it again for that key", async () => {
    await synced();
    const slug = ghSlug(rig.sim.world);
    const before = rig.sim.world.state.pipelinesByProject.get(slug)?.length ?? 0;
    rig.sim.inject({ kind: "lost-answer", endpoint: TRIGGER });
    const lost = await actions.triggerPipeline({ projectSlug: slug, idempotencyKey: "lost" }).catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(OutcomeUnknownError);
    expect(lost).toMatchObject({ code: "CIRCLECI_OUTCOME_UNKNOWN" });
    const repeat = await actions.triggerPipeline({ projectSlug: slug, idempotencyKey: "lost" }).catch((error: unknown) => error);
    expect(repeat).toBeInstanceOf(ActionOutcomeUnknownError);
    expect((repeat as Error).message).toMatch(/was not answered, so it was not sent again: Whether CircleCI did this is unknown/);
    expect(rig.sim.counters.bodies(TRIGGER)).toHaveLength(1);
    expect(rig.sim.world.state.pipelinesByProject.get(slug)?.length).toBe(before + 1);
    expect(service.stats.triggerPipeline).toEqual({ outcome_unknown: 2 });
  });

  it("says it was done, naming the pipeline, when reading it back fails, and a repeat answers the pipeline once readable", async () => {
    await synced();
    const slug = ghSlug(rig.sim.world);
    // More failures than the client's five attempts of one read: the re-read fails as a whole.
    rig.sim.inject({ kind: "500", endpoint: "GET /pipeline/{id}", count: 5 });
    const unread = await actions.triggerPipeline({ projectSlug: slug, idempotencyKey: "unread" }).catch((error: unknown) => error);
    expect(unread).toBeInstanceOf(ActionUnreadError);
    expect(unread).toMatchObject({ code: "ACTION_DONE_NOT_READ" });
    const created = rig.sim.world.state.pipelinesByProject.get(slug)?.[0] as string;
    expect((unread as Error).message).toMatch(new RegExp(`^CircleCI created pipeline \\d+ \\(${created}\\) in ${slug}, but reading it back failed: `));
    expect((await actions.triggerPipeline({ projectSlug: slug, idempotencyKey: "unread" })).id).toBe(created);
    expect(rig.sim.counters.bodies(TRIGGER)).toHaveLength(1);
    expect(service.stats.triggerPipeline).toEqual({ not_read: 1, replayed: 1 });
  });

  it("frees a key CircleCI refused, so the corrected request may use it", async () => {
    await synced();
    const hidden = ghSlug(rig.sim.world);
    rig.sim.world.setProjectHidden(hidden, true);
    await expect(actions.triggerPipeline({ projectSlug: hidden, idempotencyKey: "retry-me" })).rejects.toThrow(/404/);
    rig.sim.world.setProjectHidden(hidden, false);
    expect((await actions.triggerPipeline({ projectSlug: hidden, idempotencyKey: "retry-me" })).project_slug).toBe(hidden);
    expect(rig.sim.counters.bodies(TRIGGER)).toHaveLength(2);
  });

  it("refuses what the gateway can tell is wrong without asking CircleCI anything", async () => {
    await synced();
    const slug = ghSlug(rig.sim.world);
    for (const [request, message] of [
      [{ projectSlug: slug, branch: "main", tag: "v1" }, /a `branch` or a `tag`, not both/],
      [{ projectSlug: slug, branch: " " }, /`branch` is empty/],
      [{ projectSlug: "gitlab/acme/api" }, /is not a project slug/],
      [{ projectSlug: "gh/elsewhere/api" }, /gh\/elsewhere\/api is not a project this gateway syncs \(CIRCLECI_PROJECT_SLUGS\)/],
      [{ projectSlug: slug, parameters: { nested: { no: 1 } } }, /parameter "nested" is a object: pipeline parameters are strings, numbers or booleans/],
      [{ projectSlug: slug, idempotencyKey: "" }, /idempotencyKey must be 1 to 256 characters/],
    ] as const) {
      await expect(actions.triggerPipeline(request)).rejects.toThrow(message);
    }
    await expect(actions.triggerPipeline({ projectSlug: slug, branch: "main", tag: "v1" })).rejects.toBeInstanceOf(ActionInputError);
    expect(rig.sim.counters.total()).toBe(0);
  });
});

describe("rerunWorkflow", () => {
  it("answers the NEW workflow, stored and announced, in the same pipeline", async () => {
    const failed = failedWorkflow(rig.sim.world);
    await synced();
    const rerun = await actions.rerunWorkflow({ id: failed.id, fromFailed: true, idempotencyKey: "rerun-1" });
    expect(rerun).toMatchObject({ name: failed.name, pipeline_id: failed.pipeline_id });
    expect(rerun.id).not.toBe(failed.id);
    expect(rig.sim.counters.bodies("POST /workflow/{id}/rerun")).toEqual(['{"from_failed":true}']);
    expect((await rig.store.getWorkflowsOf([failed.pipeline_id]))[0]?.map(({ id }) => id)).toContain(rerun.id);
    expect((await rig.takeEvents()).map(eventKey)).toContain(`workflow ${rerun.id} null -> ${rerun.status}`);
    expect((await actions.rerunWorkflow({ id: failed.id, fromFailed: true, idempotencyKey: "rerun-1" })).id).toBe(rerun.id);
    expect(rig.sim.counters.bodies("POST /workflow/{id}/rerun")).toHaveLength(1);
  });

  it("carries CircleCI's own refusal of a workflow still running", async () => {
    const { workflow } = heldWorkflow(rig.sim.world);
    await synced();
    const refused = await actions.rerunWorkflow({ id: workflow.id }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect(refused).toMatchObject({ upstreamMessage: "Workflow must be in a terminal state to be rerun", status: 400 });
    expect(service.stats.rerunWorkflow).toEqual({ circleci_error: 1 });
  });

  it("refuses both ways of choosing jobs, jobs of another workflow and unknown workflows, sending nothing", async () => {
    const failed = failedWorkflow(rig.sim.world);
    await synced();
    await expect(actions.rerunWorkflow({ id: failed.id, fromFailed: true, jobIds: [failed.id] })).rejects.toThrow(/`fromFailed` or `jobIds`, not both/);
    await expect(actions.rerunWorkflow({ id: failed.id, jobIds: [] })).rejects.toThrow(/names no job/);
    await expect(actions.rerunWorkflow({ id: failed.id, jobIds: [failed.pipeline_id] })).rejects.toThrow(new RegExp(`has no job ${failed.pipeline_id}`));
    expect(rig.sim.counters.total()).toBe(0);
    await expect(actions.rerunWorkflow({ id: "00000000-0000-4000-8000-000000000000" })).rejects.toThrow(/CircleCI has no workflow 00000000-/);
    expect(posts()).toEqual([]);
  });
});

describe("cancelWorkflow", () => {
  it("answers the workflow as read after the cancel, stored and announced, and the pipeline leaves the active set", async () => {
    const { workflow } = heldWorkflow(rig.sim.world);
    await synced();
    expect((await rig.store.listActivePipelines()).map(({ id }) => id)).toContain(workflow.pipeline_id);
    const [before] = await rig.store.getWorkflows([workflow.id]);
    const canceled = await actions.cancelWorkflow(workflow.id);
    expect(canceled).toMatchObject({ id: workflow.id, status: "canceled" });
    expect(await rig.store.getWorkflows([workflow.id])).toEqual([canceled]);
    expect((await rig.takeEvents()).map(eventKey)).toContain(`workflow ${workflow.id} ${before?.status} -> canceled`);
    const live = workflowsOf(rig.sim.world, workflow.pipeline_id).some((other) => !["success", "failed", "error", "canceled", "not_run"].includes(other.status));
    expect((await rig.store.listActivePipelines()).map(({ id }) => id).includes(workflow.pipeline_id)).toBe(live);
    expect(rig.sim.counters.byEndpoint()["POST /workflow/{id}/cancel"]).toBe(1);
  });
});

describe("approveJob", () => {
  it("approves with the job's approval request, answers the job as read after, stored and announced", async () => {
    const { workflow, approval } = awaitingApproval(rig.sim.world);
    await synced();
    const approved = await actions.approveJob(workflow.id, approval.id);
    expect(approved).toMatchObject({ id: approval.id, type: "approval" });
    expect(approved.status).not.toBe("on_hold");
    expect(rig.sim.counters.byEndpoint()["POST /workflow/{id}/approve/{approvalRequestId}"]).toBe(1);
    expect((await rig.store.getJobsOf([workflow.id]))[0]?.find(({ id }) => id === approval.id)).toEqual(approved);
    expect((await rig.takeEvents()).map(eventKey)).toContain(`job ${approval.id} on_hold -> ${approved.status}`);
  });

  it("refuses a job that is not an approval, an approval not on hold, and a job of no such workflow, asking CircleCI nothing", async () => {
    const { workflow, approval } = heldWorkflow(rig.sim.world);
    await synced();
    const build = jobsOf(rig.sim.world, workflow.id).find((job) => job.type === "build") as { id: string };
    await expect(actions.approveJob(workflow.id, build.id)).rejects.toThrow(/is a build job, not an approval/);
    await expect(actions.approveJob(workflow.id, approval.id)).rejects.toThrow(/is blocked, not on hold/);
    await expect(actions.approveJob(workflow.id, workflow.pipeline_id)).rejects.toThrow(/has no job/);
    expect(rig.sim.counters.total()).toBe(0);
    expect(service.stats.approveJob).toEqual({ bad_input: 3 });
  });
});

describe("cancelJob", () => {
  it("answers the job's details as read after the cancel, stored, its status announced", async () => {
    const job = runningBuildJob(rig.sim.world);
    await synced();
    const slug = ghSlug(rig.sim.world);
    const canceled = await actions.cancelJob(slug, job.job_number as number);
    expect(canceled).toMatchObject({ projectSlug: slug, number: job.job_number, details: { status: "canceled" } });
    expect(await rig.store.getJobRecords([{ projectSlug: slug, number: job.job_number as number }])).toEqual([canceled]);
    expect((await rig.takeEvents()).map(eventKey)).toContain(`job ${job.id} running -> canceled`);
    expect(rig.sim.counters.byEndpoint()["POST /project/{slug}/job/{number}/cancel"]).toBe(1);
  });

  it("refuses a number the project has no job for, sending no cancel", async () => {
    await synced();
    await expect(actions.cancelJob(ghSlug(rig.sim.world), 999_999)).rejects.toThrow(/has no build job 999999/);
    expect(posts()).toEqual([]);
  });
});
