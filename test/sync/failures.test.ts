import { afterEach, describe, expect, it } from "vitest";
import { MISSING_ORGANIZATION_ID } from "../../src/sync/contexts.js";
import type { CycleReport } from "../../src/sync/index.js";
import { eventKey, holdPipelineBehindWindow, startRig, syncThenMakeActivity } from "./harness.js";
import type { SyncRig } from "./harness.js";
import { storeKinds } from "./stores.js";

let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});


function errors(report: CycleReport): string[] {
  return report.streams.flatMap((stream) => (stream.error === undefined ? [] : [`${stream.stream} ${stream.projectSlug ?? ""}`]));
}

const kinds = storeKinds();

describe.each(kinds)("a project CircleCI stops showing (404), on $name", ({ create }) => {
  it("is marked unreachable with its data kept, while the other projects sync; it recovers when visible again", async () => {
    const current = (rig = await startRig({ store: create() }));
    const [visible, hidden] = current.slugs as [string, string];
    await current.engine.runCycle();
    const [before] = await current.store.getProjects([hidden]);
    const keptIds = await current.store.listPipelineIds(hidden, { first: 100 });

    current.sim.world.setProjectHidden(hidden, true);
    current.sim.world.triggerPipeline(visible);
    current.sim.world.advance(10 * 60_000);
    const report = await current.engine.runCycle();

    expect(errors(report)).toEqual([`projects ${hidden}`]);
    expect(report.streams.find((stream) => stream.projectSlug === hidden)?.error).toContain(`Project ${hidden} was not found`);
    expect(report.streams.filter((stream) => stream.projectSlug === hidden).map((stream) => stream.stream)).toEqual(["projects"]);
    const [after] = await current.store.getProjects([hidden]);
    expect(after?.project).toEqual(before?.project);
    expect(after?.unreachable?.message).toContain("was not found");
    expect(await current.store.listPipelineIds(hidden, { first: 100 })).toEqual(keptIds);
    expect(await current.differences()).toEqual([]);
    const status = await current.store.getSyncStatus();
    expect(status.streams.find((stream) => stream.stream === "projects" && stream.projectSlug === hidden)?.lastError).toContain(
      "was not found",
    );

    current.sim.world.setProjectHidden(hidden, false);
    const recovered = await current.engine.runCycle();
    expect(recovered.ok).toBe(true);
    expect((await current.store.getProjects([hidden]))[0]?.unreachable).toBeUndefined();
    expect(await current.differences()).toEqual([]);
  });
});

describe("a bad token", () => {
  it("fails the cycle with the client's message on every stream, never the token", async () => {
    const token = "CCIPAT_2bZ3dYdG9kpNfGHdD1ZzRA_0123456789abcdef0123456789abcdef01234567";
    const current = (rig = await startRig({ client: { token } }));
    const report = await current.engine.runCycle();
    expect(report.ok).toBe(false);
    expect(report.aborted).toBe(false);
    expect(report.streams).toHaveLength(current.slugs.length * 6 + 1);
    for (const stream of report.streams) {
      expect(stream.error).toMatch(/rejected the token \(401\).*CIRCLECI_TOKEN/);
      expect(stream.error).not.toContain(token);
    }
    const status = await current.store.getSyncStatus();
    expect(status.cycles).toBe(1);
    expect(status.running).toBe(false);
    expect(status.streams.every((stream) => stream.lastError?.includes("401") && stream.lastSuccessAt === undefined)).toBe(true);
  });
});

describe("contexts without an organization id", () => {
  it("are skipped with the fix in their status, without failing the cycle", async () => {
    const current = (rig = await startRig({ engine: { orgId: undefined } }));
    const report = await current.engine.runCycle();
    expect(report.ok).toBe(true);
    expect(report.streams.find((stream) => stream.stream === "contexts")).toMatchObject({ skipped: MISSING_ORGANIZATION_ID });
    expect(current.sim.counters.byEndpoint()["GET /context"]).toBeUndefined();
    const status = await current.store.getSyncStatus();
    expect(status.streams.find((stream) => stream.stream === "contexts")?.lastError).toBe(MISSING_ORGANIZATION_ID);
  });
});

describe("a list item that does not fit its schema", () => {
  it("is left out and reported on its stream, and the rest of the stream is synced", async () => {
    const current = (rig = await startRig());
    const { state } = current.sim.world;
    const [slug] = current.slugs as [string];
    const pipelineId = state.pipelinesByProject.get(slug)?.[0] as string;
    const workflowId = state.workflowsByPipeline.get(pipelineId)?.[0] as string;
    const broken = state.jobsByWorkflow.get(workflowId)?.[0];
    if (broken === undefined) throw new Error("the newest pipeline has no job");
    broken.dependencies = ["not-a-uuid"];

    const report = await current.engine.runCycle();
    expect(report.ok).toBe(true);
    expect(current.client.stats.rejectedRecords).toBe(1);
    expect(report.streams.find((stream) => stream.stream === "workflow_jobs" && stream.projectSlug === slug)).toMatchObject({
      rejected: 1,
      lastRejection: `GET /workflow/{id}/job: item ${broken.id}: dependencies.0: Invalid GUID`,
    });
    expect(report.streams.filter((stream) => stream.rejected !== undefined)).toHaveLength(1);
    expect(await current.store.getJobs([broken.id])).toEqual([undefined]);
    expect(await current.differences()).toEqual([]);
  });
});

describe.each(kinds)("CircleCI misbehaving, on $name", ({ create }) => {
  it("converges through 429 storms, 5xx, resets, truncated and garbage bodies, announcing each change once", async () => {
    const current = (rig = await startRig({ store: create() }));
    const { sim } = current;
    const expected = await syncThenMakeActivity(current, 3 * 60_000);

    sim.inject({ kind: "429", count: 6, retryAfterSeconds: 0 });
    sim.inject({ kind: "garbage", endpoint: "GET /workflow/{id}/job", count: 2 });
    sim.setFaults({ seed: 5, serverErrorRate: 0.15, resetRate: 0.05, truncateRate: 0.05 });
    const reports: CycleReport[] = [];
    for (let cycle = 0; cycle < 6 && !reports.at(-1)?.ok; cycle++) reports.push(await current.engine.runCycle());
    sim.setFaults(null);

    expect(reports.at(-1)?.ok).toBe(true);
    expect(current.client.stats.retries).toBeGreaterThan(10);
    expect(await current.differences()).toEqual([]);
    const keys = (await current.takeEvents()).map(eventKey);
    expect(keys.sort()).toEqual(expected);
  });
});

describe("records CircleCI no longer serves (404)", () => {
  it("skips and counts a job whose details are gone, without failing the stream", async () => {
    const current = (rig = await startRig());
    const { state } = current.sim.world;
    const [slug] = current.slugs as [string];
    const [key] = [...state.jobDetails.keys()].filter((candidate) => candidate.startsWith(`${slug}#`)).slice(-1);
    if (key === undefined) throw new Error("the world has no job details");
    state.jobDetails.delete(key);

    const report = await current.engine.runCycle();
    expect(report.ok).toBe(true);
    expect(report.streams.find((stream) => stream.stream === "job_details" && stream.projectSlug === slug)).toMatchObject({ notFound: 1 });
    expect(await current.differences()).toEqual([]);
  });

  it("drops an active pipeline that is gone from the active set instead of polling it forever", async () => {
    const current = (rig = await startRig());
    const [slug] = current.slugs as [string];
    const held = await holdPipelineBehindWindow(current, slug);
    expect((await current.store.listActivePipelines()).map(({ id }) => id)).toContain(held);

    current.sim.world.state.pipelines.delete(held);
    const report = await current.engine.runCycle();
    expect(report.ok).toBe(true);
    expect(report.streams.find((stream) => stream.stream === "pipelines" && stream.projectSlug === slug)).toMatchObject({ notFound: 1 });
    expect((await current.store.listActivePipelines()).map(({ id }) => id)).not.toContain(held);
  });
});
