import { describe, expect, it } from "vitest";
import { deriveWorkflowStatus, v1StatusOf } from "../../src/simulator/status.js";

const job = (status: string, stuck = false) => ({ status, stuck });

describe("deriveWorkflowStatus", () => {
  it("is running while jobs are busy or waiting on dependencies that may still succeed", () => {
    expect(deriveWorkflowStatus([job("success"), job("running"), job("blocked")])).toBe("running");
    expect(deriveWorkflowStatus([job("queued"), job("blocked")])).toBe("running");
  });

  it("is on_hold only when an approval waits and nothing is busy", () => {
    expect(deriveWorkflowStatus([job("success"), job("on_hold"), job("blocked")])).toBe("on_hold");
    expect(deriveWorkflowStatus([job("on_hold"), job("running")])).toBe("running");
  });

  it("is failing once a job failed while others are live, failed once nothing can move", () => {
    expect(deriveWorkflowStatus([job("failed"), job("running")])).toBe("failing");
    expect(deriveWorkflowStatus([job("timedout"), job("on_hold")])).toBe("failing");
    expect(deriveWorkflowStatus([job("failed"), job("blocked", true), job("success")])).toBe("failed");
    expect(deriveWorkflowStatus([job("terminated-unknown"), job("success")])).toBe("failed");
  });

  it("ends success, canceled or not_run from its jobs' final statuses", () => {
    expect(deriveWorkflowStatus([job("success"), job("success")])).toBe("success");
    expect(deriveWorkflowStatus([job("success"), job("canceled")])).toBe("canceled");
    expect(deriveWorkflowStatus([job("not_run"), job("not_run")])).toBe("not_run");
  });
});

describe("v1StatusOf", () => {
  it("maps live and final job statuses onto v1.1's lifecycle, outcome and status", () => {
    expect(v1StatusOf("queued")).toEqual({ lifecycle: "queued", outcome: null, status: "queued" });
    expect(v1StatusOf("running")).toEqual({ lifecycle: "running", outcome: null, status: "running" });
    expect(v1StatusOf("success")).toEqual({ lifecycle: "finished", outcome: "success", status: "success" });
    expect(v1StatusOf("infrastructure_fail").outcome).toBe("infrastructure_fail");
    expect(v1StatusOf("terminated-unknown")).toEqual({ lifecycle: "finished", outcome: "failed", status: "failed" });
  });
});
