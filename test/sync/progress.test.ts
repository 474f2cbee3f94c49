import { afterEach, describe, expect, it } from "vitest";
import type { ProgressEvent, StreamReport } from "../../src/sync/index.js";
import { startRig } from "./harness.js";
import type { SyncRig } from "./harness.js";

let rig: SyncRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const streamKey = (event: { stream: string; projectSlug?: string }) => `${event.stream} ${event.projectSlug ?? "-"}`;

describe("progress and the cycle report", () => {
  it("tell each stream's start, pages and end, the rate-limit waits, and the calls made", async () => {
    const events: ProgressEvent[] = [];
    const current = (rig = await startRig({ engine: { onProgress: (event) => events.push(event) } }));
    current.sim.inject({ kind: "429", endpoint: "GET /project/{slug}/pipeline", retryAfterSeconds: 1 });
    const report = await current.engine.runCycle();

    expect(report.ok).toBe(true);
    expect(report.calls).toBe(current.sim.counters.total());
    const done = events.flatMap((event): StreamReport[] => (event.type === "stream.done" ? [event.report] : []));
    expect(done).toEqual(report.streams);
    for (const finished of done) {
      const started = events.findIndex((event) => event.type === "stream.started" && streamKey(event) === streamKey(finished));
      expect(started, streamKey(finished)).toBeGreaterThanOrEqual(0);
      expect(started).toBeLessThan(events.findIndex((event) => event.type === "stream.done" && event.report === finished));
    }
    const pages = events.filter((event) => event.type === "page.fetched");
    const pipelinePages = report.streams.filter((stream) => stream.stream === "pipelines").reduce((sum, stream) => sum + stream.pages, 0);
    expect(pages).toHaveLength(pipelinePages);
    // Each project's walk covers more of the window page by page and ends having covered all of it.
    for (const slug of new Set(pages.map((event) => event.projectSlug))) {
      const covered = pages.flatMap((event) => (event.type === "page.fetched" && event.projectSlug === slug ? [event.covered] : []));
      expect(covered).toEqual([...covered].sort((a, b) => a - b));
      expect(covered.at(-1)).toBe(1);
    }
    const waits = events.filter((event) => event.type === "rate-limit.wait");
    expect(waits).toMatchObject([{ waits: 1 }]);
    expect(waits[0]?.waitedMs).toBeGreaterThanOrEqual(900);
  });
});
