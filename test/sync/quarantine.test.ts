import { afterEach, describe, expect, it } from "vitest";
import { createGatewayMetrics } from "../../src/metrics/index.js";
import type { StreamReport } from "../../src/sync/index.js";
import { cycleLogFields } from "../../src/sync/report.js";
import { jobKey } from "../../src/simulator/state.js";
import { sampleValue } from "../metrics/prometheus-text.js";
import { holdPipelineBehindWindow, startRig } from "./harness.js";
import type { RigOptions, SyncRig } from "./harness.js";

/**
 * Records CircleCI answers with in a shape the client cannot read: each is left out and reported on its stream,
 * never retried and never counted as CircleCI failing, and the rest of the sync goes on. The client's breaker here
 * opens on the first failure it hears of, so a rejected record that reached it would stop the cycle.
 */
const JOB_DETAILS = "GET /project/{slug}/job/{number}";
const STRICT_BREAKER: RigOptions = { client: { breaker: { failureThreshold: 1, cooldownMs: 60_000 } } };

let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

function rejectedOf(streams: readonly StreamReport[], stream: string): number {
  return streams.filter((report) => report.stream === stream).reduce((sum, report) => sum + (report.rejected ?? 0), 0);
}

describe("a single read answering a record the client cannot read", () => {
  it("job details: that record is left out and reported, not retried, the breaker untouched", async () => {
    const current = (rig = await startRig(STRICT_BREAKER));
    const { sim, client } = current;
    sim.inject({ kind: "wrong-shape", endpoint: JOB_DETAILS, count: 3 });

    const report = await current.engine.runCycle();
    expect(report.ok).toBe(true);
    expect(rejectedOf(report.streams, "job_details")).toBe(3);
    expect(report.streams.filter((stream) => stream.rejected !== undefined).every((stream) => stream.stream === "job_details")).toBe(true);
    for (const stream of report.streams.filter((candidate) => candidate.rejected !== undefined)) {
      expect(stream.lastRejection).toMatch(/^GET \/project\/\{slug\}\/job\/\{number\}: job \d+ in project \S+: number: Invalid input: .*; and \d+ more$/);
      expect(stream.lastRejection).not.toContain("result");
    }
    // One request per record read: the three rejected ones were asked once each, like the ones stored.
    const written = report.streams.filter((stream) => stream.stream === "job_details").reduce((sum, stream) => sum + stream.records, 0);
    expect(sim.counters.byEndpoint()[JOB_DETAILS]).toBe(written + 3);
    expect(client.stats.retries).toBe(0);
    expect(client.stats.breaker).toEqual({ state: "closed", opens: 0, consecutiveFailures: 0 });
    // Only those three are missing from the store.
    const differences = await current.differences();
    expect(differences).toHaveLength(3);
    for (const difference of differences) expect(difference).toMatch(/^job record \S+ #\d+ details: missing from the store$/);

    const statuses = (await current.store.getSyncStatus()).streams.filter((status) => status.stream === "job_details");
    expect(statuses.reduce((sum, status) => sum + (status.rejected ?? 0), 0)).toBe(3);
    expect(cycleLogFields(report)).toMatchObject({ ok: true, rejected: 3 });
    const metrics = createGatewayMetrics();
    metrics.observeCycle(report);
    expect(sampleValue(await metrics.render(), "circleci_gateway_records_rejected_total", { stream: "job_details" })).toBe(3);

    // The count and the last reason stay through a clean cycle, like the stream's records.
    const next = await current.engine.runCycle();
    expect(next.ok).toBe(true);
    expect(rejectedOf(next.streams, "job_details")).toBe(0);
    const after = (await current.store.getSyncStatus()).streams.filter((status) => status.stream === "job_details");
    expect(after.reduce((sum, status) => sum + (status.rejected ?? 0), 0)).toBe(3);
    expect(after.filter((status) => status.lastRejection !== undefined).length).toBeGreaterThan(0);
  });

  it("v1.1 steps: the job's details are stored without them, and the stream reports them", async () => {
    const current = (rig = await startRig(STRICT_BREAKER));
    const { state } = current.sim.world;
    const [slug] = current.slugs as [string];
    const finished = (state.pipelinesByProject.get(slug) ?? [])
      .flatMap((id) => state.workflowsByPipeline.get(id) ?? [])
      .flatMap((id) => state.jobsByWorkflow.get(id) ?? [])
      .find((job) => job.type === "build" && job.status === "success" && job.job_number !== undefined);
    const key = jobKey(slug, finished?.job_number ?? 0);
    const build = state.builds.get(key);
    if (build === undefined) throw new Error("the project has no finished build");
    // The v1.1 document requires nothing, so only a value of the wrong type makes a build unreadable.
    const { builds } = state;
    const [first, ...rest] = build.steps ?? [];
    if (first === undefined) throw new Error("the finished build has no step");
    builds.set(key, { ...build, steps: [{ ...first, actions: first.actions.map((action) => ({ ...action, index: "zero" as never })) }, ...rest] });

    const report = await current.engine.runCycle();
    expect(report.ok).toBe(true);
    expect(rejectedOf(report.streams, "job_details")).toBe(1);
    const number = finished?.job_number;
    expect(report.streams.find((stream) => stream.stream === "job_details" && stream.projectSlug === slug)?.lastRejection).toMatch(
      new RegExp(`^GET /api/v1\\.1/project/\\{vcs\\}/\\{org\\}/\\{repo\\}/\\{build_num\\}: job ${number} in project ${slug}: steps\\.0\\.actions\\.0\\.index: Invalid input: expected number, received string`),
    );
    const [record] = await current.store.getJobRecords([{ projectSlug: slug, number: number ?? 0 }]);
    expect(record?.details.number).toBe(number);
    expect(record?.steps).toBeUndefined();
    expect(await current.differences()).toEqual([]);
    expect(current.client.stats.retries).toBe(0);
  });

  it("an active pipeline's re-poll: left out of this cycle but kept in the active set, the rest of the project synced", async () => {
    const current = (rig = await startRig(STRICT_BREAKER));
    const [slug] = current.slugs as [string];
    const held = await holdPipelineBehindWindow(current, slug);
    expect((await current.store.listActivePipelines()).map(({ id }) => id)).toContain(held);

    current.sim.inject({ kind: "wrong-shape", endpoint: "GET /pipeline/{id}", count: 1 });
    current.sim.counters.reset();
    const report = await current.engine.runCycle();
    expect(report.ok).toBe(true);
    const pipelines = report.streams.filter((stream) => stream.stream === "pipelines");
    const [rejected] = pipelines.filter((stream) => stream.rejected !== undefined);
    expect(rejected?.rejected).toBe(1);
    const [, id] = /^GET \/pipeline\/\{id\}: pipeline (\S+): id: Invalid input/.exec(rejected?.lastRejection ?? "") ?? [];
    expect((await current.store.listActivePipelines()).map((pipeline) => pipeline.id)).toContain(id);
    // Each read of the stream is one request: the rejected re-poll was not sent again.
    const { byEndpoint } = current.sim.counters;
    const requests = (byEndpoint()["GET /project/{slug}/pipeline"] ?? 0) + (byEndpoint()["GET /pipeline/{id}"] ?? 0);
    expect(requests).toBe(pipelines.reduce((sum, stream) => sum + stream.pages, 0));
    expect(current.client.stats.retries).toBe(0);
    expect(current.client.stats.breaker.state).toBe("closed");
    expect(await current.differences()).toEqual([]);
  });

  it("a project's document: the stored one is kept, the project counts as reachable and its other streams run", async () => {
    const current = (rig = await startRig(STRICT_BREAKER));
    await current.engine.runCycle();
    const before = await current.store.getProjects(current.slugs);
    current.sim.inject({ kind: "wrong-shape", endpoint: "GET /project/{slug}", count: 1 });
    const report = await current.engine.runCycle();
    expect(report.ok).toBe(true);
    const projects = report.streams.filter((stream) => stream.stream === "projects");
    expect(projects.filter((stream) => stream.rejected === 1)).toHaveLength(1);
    expect(projects.every((stream) => stream.error === undefined)).toBe(true);
    expect(report.streams.filter((stream) => stream.stream === "pipelines")).toHaveLength(current.slugs.length);
    expect(await current.store.getProjects(current.slugs)).toEqual(before);
  });
});

describe("a list page whose envelope the client cannot read", () => {
  it("fails its stream for this cycle without a retry or the breaker, names the list, and the next cycle converges", async () => {
    const current = (rig = await startRig(STRICT_BREAKER));
    current.sim.inject({ kind: "wrong-shape", endpoint: "GET /pipeline/{id}/workflow", count: 1 });
    const report = await current.engine.runCycle();
    expect(report.ok).toBe(false);
    const failed = report.streams.filter((stream) => stream.error !== undefined);
    expect(new Set(failed.map((stream) => stream.projectSlug)).size).toBe(1);
    expect(failed[0]?.error).toMatch(/^CircleCI answered GET \/pipeline\/\{id\}\/workflow with a page of the list for pipeline \S+ in a shape the gateway cannot read \(items: /);
    expect(current.client.stats.retries).toBe(0);
    expect(current.client.stats.breaker.state).toBe("closed");
    expect((await current.engine.runCycle()).ok).toBe(true);
    expect(await current.differences()).toEqual([]);
  });
});
