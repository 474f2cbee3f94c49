import { describe, expect, it } from "vitest";
import { createProgressDisplay } from "../../src/commands/progress-display.js";
import { formatDuration, progressBar, SyncProgress, timeLeft } from "../../src/commands/sync-progress.js";
import type { StreamReport } from "../../src/sync/index.js";

const done = (stream: StreamReport["stream"], projectSlug: string): { type: "stream.done"; report: StreamReport } => ({
  type: "stream.done",
  report: { stream, projectSlug, records: 0, pages: 0 },
});

describe("SyncProgress", () => {
  it("averages the window each project's walk has covered, and counts a finished walk as whole", () => {
    const progress = new SyncProgress(["gh/a/one", "gh/a/two"]);
    expect(progress.fraction).toBe(0);
    progress.observe({ type: "page.fetched", stream: "pipelines", projectSlug: "gh/a/one", items: 20, covered: 0.5 });
    expect(progress.fraction).toBe(0.25);
    // Pages of one walk may be reported out of order when trees sync concurrently: coverage never goes back.
    progress.observe({ type: "page.fetched", stream: "pipelines", projectSlug: "gh/a/one", items: 20, covered: 0.3 });
    expect(progress.fraction).toBe(0.25);
    progress.observe(done("workflows", "gh/a/two"));
    expect(progress.fraction).toBe(0.25);
    progress.observe(done("pipelines", "gh/a/two"));
    expect(progress.fraction).toBe(0.75);
    progress.observe({ type: "rate-limit.wait", waits: 2, waitedMs: 3000 });
    expect(progress.describe(30_000)).toBe("[###############-----] 75% · 1/2 projects · 40 pipelines in 2 pages · 2 rate-limit waits · ~10s left");
  });

  it("is done at once with no project, and says nothing of time before a few percent", () => {
    expect(new SyncProgress([]).fraction).toBe(1);
    expect(new SyncProgress(["gh/a/b"]).describe(5000)).toBe("[--------------------] 0% · 0/1 projects · 0 pipelines in 0 pages · estimating time left");
  });
});

describe("progress formatting", () => {
  it("draws a bar of the given width, clamped", () => {
    expect(progressBar(0.5, 10)).toBe("[#####-----]");
    expect(progressBar(1.7, 4)).toBe("[####]");
    expect(progressBar(-1, 4)).toBe("[----]");
  });

  it("extrapolates the pace so far", () => {
    expect(timeLeft(0.25, 60_000)).toBe("~3m 0s left");
    expect(timeLeft(1, 60_000)).toBe("done");
    expect(timeLeft(0.01, 60_000)).toBe("estimating time left");
  });

  it("writes durations as a person would read them", () => {
    expect(formatDuration(200)).toBe("1s");
    expect(formatDuration(59_400)).toBe("59s");
    expect(formatDuration(61_000)).toBe("1m 1s");
    expect(formatDuration(2 * 3_600_000 + 3 * 60_000)).toBe("2h 3m");
  });
});

describe("createProgressDisplay", () => {
  it("on a terminal redraws one live line in place, under the lines that stay, and clears it at the end", () => {
    const written: string[] = [];
    const display = createProgressDisplay({ isTTY: true, write: (text: string) => written.push(text) }, () => {
      throw new Error("a terminal display writes to its terminal");
    });
    expect(display.live).toBe(true);
    display.update("[#---] 25%");
    display.print("pipelines gh/a/b: 10 records, 1 pages");
    display.update("[##--] 50%");
    display.finish();
    expect(written).toEqual([
      "\r\u001b[2K[#---] 25%",
      "\r\u001b[2Kpipelines gh/a/b: 10 records, 1 pages\n[#---] 25%",
      "\r\u001b[2K[##--] 50%",
      "\r\u001b[2K",
    ]);
  });

  it("elsewhere prints plain lines only", () => {
    const printed: string[] = [];
    const display = createProgressDisplay({ write: () => expect.unreachable("no control characters off a terminal") }, (line) => printed.push(line));
    expect(display.live).toBe(false);
    display.update("[#---] 25%");
    display.print("pipelines gh/a/b: 10 records, 1 pages");
    display.finish();
    expect(printed).toEqual(["[#---] 25%", "pipelines gh/a/b: 10 records, 1 pages"]);
  });
});
