import { describe, expect, it } from "vitest";
import { boardOf } from "../../src/answers/index.js";
import type { BoardEntry } from "../../src/answers/index.js";
import type { Workflow } from "../../src/circleci/index.js";
import { at, SLUG, workflow } from "./runs.js";

const scope = { projectSlug: SLUG, branch: "main" };

function onlyEntry(runs: Workflow[]): BoardEntry {
  const entries = boardOf(scope, runs);
  expect(entries).toHaveLength(1);
  return entries[0] as BoardEntry;
}

describe("the board", () => {
  it("dates a failure streak from its oldest failed run, and clears it on the success that ends it", () => {
    const success = workflow({ status: "success", createdAt: "10:00:00", stoppedAt: "10:05:00" });
    const failed = workflow({ status: "failed", createdAt: "11:00:00", stoppedAt: "11:05:00" });
    const errored = workflow({ status: "error", createdAt: "12:00:00", stoppedAt: "12:01:00" });
    // Given out of order: the board orders runs by created_at itself.
    const failing = onlyEntry([errored, success, failed]);
    expect(failing).toEqual({
      ...scope,
      workflowName: "build-test",
      latest: errored,
      lastFinished: errored,
      lastSuccessAt: at("10:05:00"),
      failingSince: at("11:05:00"),
    });

    const fixed = workflow({ status: "success", createdAt: "13:00:00", stoppedAt: "13:09:00" });
    const green = onlyEntry([errored, success, failed, fixed]);
    expect(green.lastFinished).toBe(fixed);
    expect(green.lastSuccessAt).toBe(at("13:09:00"));
    expect(green.failingSince).toBeNull();
  });

  it("shows a live run as the latest while the status comes from the newest finished one; live runs do not break a streak", () => {
    const first = workflow({ status: "failed", createdAt: "10:00:00", stoppedAt: "10:02:00" });
    const stillRunning = workflow({ status: "running", createdAt: "10:30:00" });
    const second = workflow({ status: "failed", createdAt: "11:00:00", stoppedAt: "11:02:00" });
    const onHold = workflow({ status: "on_hold", createdAt: "12:00:00" });
    const entry = onlyEntry([first, stillRunning, second, onHold]);
    expect(entry.latest).toBe(onHold);
    expect(entry.lastFinished).toBe(second);
    expect(entry.failingSince).toBe(at("10:02:00"));
    expect(entry.lastSuccessAt).toBeNull();
  });

  it("lets any finished run that did not fail end a streak: a canceled run in between restarts it", () => {
    const failedBefore = workflow({ status: "failed", createdAt: "10:00:00", stoppedAt: "10:01:00" });
    const canceled = workflow({ status: "canceled", createdAt: "10:30:00", stoppedAt: "10:31:00" });
    const failedAfter = workflow({ status: "failed", createdAt: "11:00:00", stoppedAt: "11:01:00" });
    expect(onlyEntry([failedBefore, canceled, failedAfter]).failingSince).toBe(at("11:01:00"));

    // Ending on the canceled run: the newest finished run did not fail, so nothing is failing.
    const canceledLast = workflow({ status: "canceled", createdAt: "12:00:00", stoppedAt: "12:01:00" });
    const entry = onlyEntry([failedBefore, canceled, failedAfter, canceledLast]);
    expect(entry.lastFinished).toBe(canceledLast);
    expect(entry.failingSince).toBeNull();
  });

  it("takes a rerun (same pipeline, created later) as the newer run", () => {
    const original = workflow({ status: "failed", createdAt: "10:00:00", stoppedAt: "10:04:00", pipelineNumber: 7 });
    const rerun = workflow({ status: "success", createdAt: "10:20:00", stoppedAt: "10:25:00", pipelineNumber: 7 });
    const entry = onlyEntry([rerun, original]);
    expect(entry.latest).toBe(rerun);
    expect(entry.lastSuccessAt).toBe(at("10:25:00"));
    expect(entry.failingSince).toBeNull();
  });

  it("breaks created_at ties by pipeline number, then by id", () => {
    const olderPipeline = workflow({ status: "success", createdAt: "10:00:00", stoppedAt: "10:03:00", pipelineNumber: 1, id: "00000000-0000-4000-8000-00000000000b" });
    const newerPipeline = workflow({ status: "failed", createdAt: "10:00:00", stoppedAt: "10:02:00", pipelineNumber: 2, id: "00000000-0000-4000-8000-00000000000a" });
    expect(onlyEntry([newerPipeline, olderPipeline]).latest).toBe(newerPipeline);
    expect(onlyEntry([newerPipeline, olderPipeline]).failingSince).toBe(at("10:02:00"));

    const lowId = workflow({ status: "failed", createdAt: "10:00:00", stoppedAt: "10:02:00", pipelineNumber: 3, id: "00000000-0000-4000-8000-00000000000a" });
    const highId = workflow({ status: "success", createdAt: "10:00:00", stoppedAt: "10:03:00", pipelineNumber: 3, id: "00000000-0000-4000-8000-00000000000b" });
    const entry = onlyEntry([highId, lowId]);
    expect(entry.latest).toBe(highId);
    expect(entry.failingSince).toBeNull();
  });

  it("orders by instant, not by text, across timestamp precisions", () => {
    // As text "…:45.500Z" sorts before "…:45Z"; as instants it is half a second later.
    const wholeSecond = workflow({ status: "success", createdAt: at("10:00:45"), stoppedAt: "10:01:00", pipelineNumber: 9 });
    const later = workflow({ status: "failed", createdAt: "2024-03-01T10:00:45.500Z", stoppedAt: "10:01:30", pipelineNumber: 8 });
    expect(onlyEntry([later, wholeSecond]).latest).toBe(later);
  });

  it("has no finished run, success or failure while every run is live", () => {
    const running = workflow({ status: "running", createdAt: "10:00:00" });
    expect(onlyEntry([running])).toMatchObject({ latest: running, lastFinished: null, lastSuccessAt: null, failingSince: null });
  });

  it("dates a failure CircleCI left without stopped_at by its created_at", () => {
    const errored = workflow({ status: "error", createdAt: "10:00:00", stoppedAt: null });
    expect(onlyEntry([errored]).failingSince).toBe(at("10:00:00"));
  });

  it("gives one entry per workflow name, by name, and none without runs", () => {
    const runs = [
      workflow({ name: "lint", status: "success", createdAt: "10:00:00", stoppedAt: "10:01:00" }),
      workflow({ name: "deploy", status: "failed", createdAt: "10:00:00", stoppedAt: "10:02:00" }),
      workflow({ name: "lint", status: "failed", createdAt: "11:00:00", stoppedAt: "11:01:00" }),
    ];
    expect(boardOf(scope, runs).map((entry) => [entry.workflowName, entry.failingSince])).toEqual([
      ["deploy", at("10:02:00")],
      ["lint", at("11:01:00")],
    ]);
    expect(boardOf(scope, [])).toEqual([]);
  });
});
