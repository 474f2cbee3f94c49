import { describe, expect, it } from "vitest";
import type { ClientStats } from "../../src/circleci/index.js";
import type { LoaderStats } from "../../src/loaders/index.js";
import { createGatewayMetrics, cycleOutcome } from "../../src/metrics/index.js";
import type { CycleReport } from "../../src/sync/index.js";
import { sampleValue } from "./prometheus-text.js";

function clientStats(requests: ClientStats["requests"], breaker: ClientStats["breaker"] = { state: "closed", opens: 0, consecutiveFailures: 0 }): ClientStats {
  return { requests, retries: 2, rateLimitWaits: { count: 3, ms: 4500 }, rejectedRecords: 0, breaker };
}

function report(overrides: Partial<CycleReport>): CycleReport {
  return { ok: true, aborted: false, startedAt: "2026-11-26T10:00:00.000Z", completedAt: "2026-11-26T10:00:02.000Z", streams: [], calls: 0, removed: 0, ...overrides };
}

describe("createGatewayMetrics", () => {
  it("reads the CircleCI client's counters at scrape time, so a later scrape shows later counts", async () => {
    let stats = clientStats({ "/project/{project-slug}/pipeline": { "200": 3, "429": 1 } });
    const metrics = createGatewayMetrics({ circleci: () => stats });
    const first = await metrics.render();
    expect(sampleValue(first, "circleci_gateway_circleci_requests_total", { endpoint: "/project/{project-slug}/pipeline", status: "200" })).toBe(3);
    expect(sampleValue(first, "circleci_gateway_circleci_requests_total", { endpoint: "/project/{project-slug}/pipeline", status: "429" })).toBe(1);
    expect(sampleValue(first, "circleci_gateway_circleci_retries_total")).toBe(2);
    expect(sampleValue(first, "circleci_gateway_rate_limit_waits_total")).toBe(3);
    expect(sampleValue(first, "circleci_gateway_rate_limit_wait_seconds_total")).toBe(4.5);

    expect(sampleValue(first, "circleci_gateway_circleci_breaker_open")).toBe(0);

    stats = clientStats({ "/project/{project-slug}/pipeline": { "200": 7 }, "/workflow/{id}": { error: 1 } }, { state: "open", opens: 2, consecutiveFailures: 5 });
    const second = await metrics.render();
    expect(sampleValue(second, "circleci_gateway_circleci_breaker_open")).toBe(1);
    expect(sampleValue(second, "circleci_gateway_circleci_breaker_opens_total")).toBe(2);
    expect(sampleValue(second, "circleci_gateway_circleci_requests_total", { endpoint: "/project/{project-slug}/pipeline", status: "200" })).toBe(7);
    expect(sampleValue(second, "circleci_gateway_circleci_requests_total", { endpoint: "/workflow/{id}", status: "error" })).toBe(1);
  });

  it("splits cache lookups by layer and result, and fallthrough fetches by result", async () => {
    const stats: LoaderStats = { l1: { hits: 10, misses: 4 }, store: { hits: 3, misses: 1 }, circleci: { fetched: 1, notFound: 2, failed: 5 } };
    const text = await createGatewayMetrics({ loaders: () => stats }).render();
    expect(sampleValue(text, "circleci_gateway_cache_lookups_total", { layer: "l1", result: "hit" })).toBe(10);
    expect(sampleValue(text, "circleci_gateway_cache_lookups_total", { layer: "l1", result: "miss" })).toBe(4);
    expect(sampleValue(text, "circleci_gateway_cache_lookups_total", { layer: "store", result: "hit" })).toBe(3);
    expect(sampleValue(text, "circleci_gateway_cache_lookups_total", { layer: "store", result: "miss" })).toBe(1);
    expect(sampleValue(text, "circleci_gateway_fallthrough_fetches_total", { result: "fetched" })).toBe(1);
    expect(sampleValue(text, "circleci_gateway_fallthrough_fetches_total", { result: "not_found" })).toBe(2);
    expect(sampleValue(text, "circleci_gateway_fallthrough_fetches_total", { result: "failed" })).toBe(5);
  });

  it("counts cycles by outcome and records by stream, summed over cycles and projects", async () => {
    const metrics = createGatewayMetrics();
    metrics.observeCycle(report({ streams: [{ stream: "pipelines", projectSlug: "gh/a/b", records: 5, pages: 1 }, { stream: "pipelines", projectSlug: "gh/a/c", records: 2, pages: 1 }] }));
    metrics.observeCycle(report({ ok: false, streams: [{ stream: "workflows", projectSlug: "gh/a/b", records: 4, pages: 1, error: "boom" }] }));
    metrics.observeCycle(report({ ok: false, aborted: true, completedAt: "2026-11-26T10:05:00.000Z" }));
    const text = await metrics.render();
    expect(sampleValue(text, "circleci_gateway_sync_cycles_total", { outcome: "ok" })).toBe(1);
    expect(sampleValue(text, "circleci_gateway_sync_cycles_total", { outcome: "failed" })).toBe(1);
    expect(sampleValue(text, "circleci_gateway_sync_cycles_total", { outcome: "aborted" })).toBe(1);
    expect(sampleValue(text, "circleci_gateway_sync_records_total", { stream: "pipelines" })).toBe(7);
    expect(sampleValue(text, "circleci_gateway_sync_records_total", { stream: "workflows" })).toBe(4);
    expect(sampleValue(text, "circleci_gateway_sync_last_cycle_completed_timestamp_seconds")).toBe(Date.parse("2026-11-26T10:05:00.000Z") / 1000);
  });

  it("counts the records each stream left out, summed over cycles and projects", async () => {
    const metrics = createGatewayMetrics();
    const rejection = { lastRejection: "GET /project/{slug}/job/{number}: job 7 in project gh/a/b: duration: Invalid input" };
    metrics.observeCycle(
      report({
        streams: [
          { stream: "job_details", projectSlug: "gh/a/b", records: 5, pages: 3, rejected: 2, ...rejection },
          { stream: "job_details", projectSlug: "gh/a/c", records: 1, pages: 1, rejected: 1, ...rejection },
          { stream: "pipelines", projectSlug: "gh/a/b", records: 1, pages: 1 },
        ],
      }),
    );
    metrics.observeCycle(report({ streams: [{ stream: "workflow_jobs", projectSlug: "gh/a/b", records: 0, pages: 1, rejected: 4, ...rejection }] }));
    const text = await metrics.render();
    expect(sampleValue(text, "circleci_gateway_records_rejected_total", { stream: "job_details" })).toBe(3);
    expect(sampleValue(text, "circleci_gateway_records_rejected_total", { stream: "workflow_jobs" })).toBe(4);
    expect(sampleValue(text, "circleci_gateway_records_rejected_total", { stream: "pipelines" })).toBeUndefined();
  });

  it("shows leadership and open subscriptions as they are at scrape time", async () => {
    let leader: boolean | undefined = undefined;
    let subscriptions = 2;
    const metrics = createGatewayMetrics({ isLeader: () => leader, activeSubscriptions: () => subscriptions });
    expect(sampleValue(await metrics.render(), "circleci_gateway_sync_leader")).toBe(0);
    leader = true;
    subscriptions = 0;
    const text = await metrics.render();
    expect(sampleValue(text, "circleci_gateway_sync_leader")).toBe(1);
    expect(sampleValue(text, "circleci_gateway_active_subscriptions")).toBe(0);
  });

  it("counts answer cache lookups by result and shows its entries, as they are at scrape time", async () => {
    let stats: { hits: number; misses: number; shared: number; entries: number } | undefined = undefined;
    const metrics = createGatewayMetrics({ answerCache: () => stats });
    const before = await metrics.render();
    expect(sampleValue(before, "circleci_gateway_answer_cache_entries")).toBe(0);
    expect(sampleValue(before, "circleci_gateway_answer_cache_lookups_total", { result: "hit" })).toBeUndefined();
    stats = { hits: 7, misses: 2, shared: 3, entries: 1 };
    const text = await metrics.render();
    expect(sampleValue(text, "circleci_gateway_answer_cache_lookups_total", { result: "hit" })).toBe(7);
    expect(sampleValue(text, "circleci_gateway_answer_cache_lookups_total", { result: "miss" })).toBe(2);
    expect(sampleValue(text, "circleci_gateway_answer_cache_lookups_total", { result: "shared" })).toBe(3);
    expect(sampleValue(text, "circleci_gateway_answer_cache_entries")).toBe(1);
  });

  it("leaves out what a process has no source for, and keeps the process metrics", async () => {
    const text = await createGatewayMetrics().render();
    expect(text).not.toContain("circleci_gateway_circleci_requests_total");
    expect(text).not.toContain("circleci_gateway_sync_leader");
    expect(sampleValue(text, "circleci_gateway_process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("puts resolver and request timings in histograms by label", async () => {
    const metrics = createGatewayMetrics();
    metrics.observeResolver("pipelines", "ok", 0.004);
    metrics.observeResolver("pipelines", "ok", 0.2);
    metrics.observeResolver("pipeline", "error", 0.001);
    metrics.observeRequest("query", "ok", 0.003);
    const text = await metrics.render();
    expect(sampleValue(text, "circleci_gateway_graphql_resolver_duration_seconds_count", { field: "pipelines", outcome: "ok" })).toBe(2);
    expect(sampleValue(text, "circleci_gateway_graphql_resolver_duration_seconds_bucket", { field: "pipelines", outcome: "ok", le: "0.005" })).toBe(1);
    expect(sampleValue(text, "circleci_gateway_graphql_resolver_duration_seconds_count", { field: "pipeline", outcome: "error" })).toBe(1);
    expect(sampleValue(text, "circleci_gateway_graphql_request_duration_seconds_count", { operation_type: "query", outcome: "ok" })).toBe(1);
  });

  it("names a cycle's outcome: aborted wins over failed", () => {
    expect(cycleOutcome({ ok: true, aborted: false })).toBe("ok");
    expect(cycleOutcome({ ok: false, aborted: false })).toBe("failed");
    expect(cycleOutcome({ ok: false, aborted: true })).toBe("aborted");
  });
});
