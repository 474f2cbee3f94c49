import { describe, expect, it } from "vitest";
import { durationStatsOf, insightWindow, InvalidWindowError, meanTimeToRecoverySeconds, workflowInsightsOf } from "../../src/answers/index.js";
import type { InsightWindow } from "../../src/answers/index.js";
import { SLUG, workflow } from "./runs.js";

/** Ten days: [2024-03-01T00:00Z, 2024-03-11T00:00Z). */
const window: InsightWindow = { start: Date.parse("2024-03-01T00:00:00Z"), end: Date.parse("2024-03-11T00:00:00Z") };

describe("workflow insights", () => {
  it("counts, rates, times and recovers over the runs created in [since, until), worked out by hand", () => {
    const runs = [
      workflow({ status: "failed", createdAt: "2024-02-29T23:59:59Z", stoppedAt: "2024-03-01T00:04:00Z" }), // before: out
      workflow({ status: "success", createdAt: "2024-03-01T00:00:00Z", stoppedAt: "2024-03-01T00:10:00Z" }), // 600 s, on the edge: in
      workflow({ status: "failed", createdAt: "2024-03-02T00:00:00Z", stoppedAt: "2024-03-02T00:10:00Z" }), // streak 1 starts
      workflow({ status: "error", createdAt: "2024-03-03T00:00:00Z", stoppedAt: "2024-03-03T00:05:00Z" }),
      workflow({ status: "success", createdAt: "2024-03-04T00:00:00Z", stoppedAt: "2024-03-04T00:20:00Z" }), // 1200 s; recovers after 2 d 10 min
      workflow({ status: "canceled", createdAt: "2024-03-05T00:00:00Z", stoppedAt: "2024-03-05T00:01:00Z" }),
      workflow({ status: "failed", createdAt: "2024-03-06T00:00:00Z", stoppedAt: "2024-03-06T00:03:00Z" }), // streak 2
      workflow({ status: "success", createdAt: "2024-03-07T00:00:00Z", stoppedAt: "2024-03-07T00:15:00Z" }), // 900 s; recovers after 1 d 12 min
      workflow({ status: "running", createdAt: "2024-03-08T00:00:00Z" }), // live: counted, not finished
      workflow({ status: "success", createdAt: "2024-03-11T00:00:00Z", stoppedAt: "2024-03-11T00:05:00Z" }), // until is exclusive: out
      workflow({ name: "deploy", status: "success", createdAt: "2024-03-05T00:00:00Z", stoppedAt: "2024-03-05T00:00:30Z" }),
    ];
    const insights = workflowInsightsOf({ projectSlug: SLUG, branch: "main", window, workflows: runs });
    expect(insights.map((insight) => insight.workflowName)).toEqual(["build-test", "deploy"]);
    expect(insights[0]).toEqual({
      projectSlug: SLUG,
      workflowName: "build-test",
      branch: "main",
      windowStart: "2024-03-01T00:00:00.000Z",
      windowEnd: "2024-03-11T00:00:00.000Z",
      totalRuns: 8,
      finishedRuns: 7,
      successfulRuns: 3,
      failedRuns: 3,
      successRate: 3 / 7,
      throughputPerDay: 0.8,
      mttrSeconds: (2 * 86_400 + 600 + (86_400 + 720)) / 2,
      duration: { min: 600, max: 1200, mean: 900, median: 900, p95: 1200 },
    });
    expect(insights[1]).toMatchObject({ totalRuns: 1, successRate: 1, mttrSeconds: null, throughputPerDay: 0.1 });
  });

  it("answers a named workflow with no runs in the window with zeros and nulls", () => {
    const runs = [workflow({ status: "success", createdAt: "2024-04-01T00:00:00Z", stoppedAt: "2024-04-01T00:01:00Z" })];
    expect(workflowInsightsOf({ projectSlug: SLUG, branch: null, window, workflows: runs, workflowName: "build-test" })).toEqual([
      expect.objectContaining({
        workflowName: "build-test",
        branch: null,
        totalRuns: 0,
        finishedRuns: 0,
        successRate: null,
        throughputPerDay: 0,
        mttrSeconds: null,
        duration: null,
      }),
    ]);
    expect(workflowInsightsOf({ projectSlug: SLUG, branch: null, window, workflows: [] })).toEqual([]);
  });

  it("counts a recovery only when a success ends the streak; a canceled run ends it without one", () => {
    const oldestFirst = [
      workflow({ status: "failed", createdAt: "2024-03-01T00:00:00Z", stoppedAt: "2024-03-01T00:01:00Z" }),
      workflow({ status: "canceled", createdAt: "2024-03-01T01:00:00Z", stoppedAt: "2024-03-01T01:01:00Z" }),
      workflow({ status: "success", createdAt: "2024-03-01T02:00:00Z", stoppedAt: "2024-03-01T02:01:00Z" }),
    ];
    expect(meanTimeToRecoverySeconds(oldestFirst)).toBeNull();
    // A live run between a failure and the success is no part of the sequence.
    const throughLive = [
      workflow({ status: "failed", createdAt: "2024-03-01T00:00:00Z", stoppedAt: "2024-03-01T00:01:00Z" }),
      workflow({ status: "running", createdAt: "2024-03-01T01:00:00Z" }),
      workflow({ status: "success", createdAt: "2024-03-01T02:00:00Z", stoppedAt: "2024-03-01T02:01:00Z" }),
    ];
    expect(meanTimeToRecoverySeconds(throughLive)).toBe(7200);
    // A streak still open at the end is not a recovery.
    expect(meanTimeToRecoverySeconds([throughLive[0]!])).toBeNull();
  });
});

describe("duration statistics", () => {
  it("takes the median and p95 by nearest rank", () => {
    const oneToTwenty = Array.from({ length: 20 }, (_, index) => 20 - index);
    expect(durationStatsOf(oneToTwenty)).toEqual({ min: 1, max: 20, mean: 10.5, median: 10, p95: 19 });
    expect(durationStatsOf([4, 1, 3, 2])).toEqual({ min: 1, max: 4, mean: 2.5, median: 2, p95: 4 });
    expect(durationStatsOf([7])).toEqual({ min: 7, max: 7, mean: 7, median: 7, p95: 7 });
    // 95 % of 60 is exactly 57: rank 57, not 58.
    expect(durationStatsOf(Array.from({ length: 60 }, (_, index) => index + 1))?.p95).toBe(57);
    expect(durationStatsOf([])).toBeNull();
  });
});

describe("the insight window", () => {
  const now = new Date("2024-03-31T12:00:00Z");

  it("defaults to the 30 days before until, and until to now", () => {
    expect(insightWindow({ now })).toEqual({ start: Date.parse("2024-03-01T12:00:00Z"), end: now.getTime() });
    const until = new Date("2024-03-10T00:00:00Z");
    expect(insightWindow({ until, now })).toEqual({ start: Date.parse("2024-02-09T00:00:00Z"), end: until.getTime() });
    const since = new Date("2024-03-30T00:00:00Z");
    expect(insightWindow({ since, now })).toEqual({ start: since.getTime(), end: now.getTime() });
  });

  it("refuses an empty or reversed window, and dates that are not dates, with a stable code", () => {
    const same = new Date("2024-03-10T00:00:00Z");
    expect(() => insightWindow({ since: same, until: same, now })).toThrow(InvalidWindowError);
    try {
      insightWindow({ since: new Date("2024-03-11T00:00:00Z"), until: same, now });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "INVALID_WINDOW", message: expect.stringContaining("since must be before until") });
    }
    expect(() => insightWindow({ since: new Date("not a date"), now })).toThrow(/valid dates/);
  });
});
