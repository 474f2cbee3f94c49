import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSyncOnce } from "../../src/commands/sync.js";
import { loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";

let sim: Simulator;

beforeAll(async () => {
  // Slow enough (about a second) for several refreshes of the progress line.
  sim = await startSimulator({ world: { seed: 5, projects: 2, pipelinesPerProject: 12, historyDays: 20 }, pageSize: 3, latencyMs: 15 });
});

afterAll(() => sim?.stop());

describe("sync --once on a terminal", () => {
  it("keeps a live progress line under the stream lines, rising to 100%, then clears it before the summary", async () => {
    const slugs = [...sim.world.state.projects.keys()];
    const { config } = loadConfig("sync", {
      env: { CIRCLECI_TOKEN: sim.token, CIRCLECI_BASE_URL: sim.url, CIRCLECI_PROJECT_SLUGS: slugs.join(","), CIRCLECI_CONCURRENCY: "2", CIRCLECI_REQUESTS_PER_SECOND: "1000" },
    });
    const terminal: string[] = [];
    const printed: string[] = [];
    const code = await runSyncOnce(config, silentLogger, (line) => printed.push(line), { isTTY: true, write: (text: string) => terminal.push(text) });

    expect(code).toBe(0);
    const percents = terminal.flatMap((text) => [...text.matchAll(/\] (\d+)% · /g)].map((match) => Number(match[1])));
    expect(percents.length).toBeGreaterThan(2);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(terminal.join("")).toMatch(/\d+ pipelines in \d+ pages · (~\d+[smh].* left|estimating time left)/);
    for (const slug of slugs) expect(terminal.join("")).toContain(`pipelines ${slug}: `);
    expect(terminal.at(-1)).toBe("\r\u001b[2K");
    // What stays after the run (the note and the summary) went through print, as plain lines.
    expect(printed[0]).toMatch(/^note: no REDIS_URL/);
    expect(printed.at(-1)).toMatch(/^sync done in [\d.]+ s with \d+ CircleCI calls$/);
    expect(printed.join("\n")).not.toContain("\u001b[");
  });
});
