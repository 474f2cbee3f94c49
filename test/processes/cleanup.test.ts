import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { own } from "../support/owned-processes.js";
import { makeProcessDir, processRunning } from "../support/process-registry.js";
import { STARTED_DIR_VARIABLE } from "./fixtures/started.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VITEST = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
const FIXTURES_CONFIG = fileURLToPath(new URL("fixtures/vitest.config.ts", import.meta.url));

/** Runs the leak fixtures in a test run of their own; the pids of the redis-servers they started, by name. */
async function runFixtures(): Promise<{ code: number | null; output: string; started: Map<string, number> }> {
  const startedDir = makeProcessDir("leak-fixtures-");
  // Detached, and owned as a group: should this test fail, the child run's workers go with it.
  const child = own(
    spawn(process.execPath, [VITEST, "run", "--root", ROOT, "--config", FIXTURES_CONFIG], {
      cwd: ROOT,
      env: { ...process.env, [STARTED_DIR_VARIABLE]: startedDir, CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    }),
    "vitest run (leak fixtures)",
    { group: true },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const started = new Map(
    readdirSync(startedDir).map((file) => [file.replace(/\.pid$/, ""), Number(readFileSync(join(startedDir, file), "utf8"))]),
  );
  return { code, output, started };
}

function killRemaining(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Stopped, as it should be.
    }
  }
}

describe("processes a test starts", () => {
  it("are all stopped when their run ends, whether a test failed, timed out, an afterAll threw or the worker died", { timeout: 120_000 }, async () => {
    const { code, output, started } = await runFixtures();
    try {
      expect(code, output).toBe(1);
      expect([...started.keys()].sort(), output).toEqual([
        "failed-test",
        "throwing-after-all",
        "timed-out-before-all",
        "timed-out-test",
        "worker-killed",
        "worker-terminated",
      ]);
      for (const [name, pid] of started) expect(processRunning(pid), `${name}: redis-server pid ${pid} still runs\n${output}`).toBe(false);

      // Stopped after the file's hooks, and named as left running.
      const leftByFile = /left processes running after its tests and hooks: ([^\n]*)/.exec(output)?.[1] ?? "";
      for (const name of ["failed-test", "throwing-after-all", "timed-out-before-all", "timed-out-test"]) {
        expect(leftByFile, output).toContain(`(pid ${started.get(name)})`);
      }
      // A worker stopped by a signal kills its own children first; one killed outright leaves them to the run's teardown.
      const leftByWorkers = /a test worker died and left processes running; stopped ([^\n]*)/.exec(output)?.[1] ?? "";
      expect(leftByWorkers, output).toContain(`(pid ${started.get("worker-killed")})`);
      expect(leftByWorkers, output).not.toContain(`(pid ${started.get("worker-terminated")})`);
    } finally {
      killRemaining(started.values());
    }
  });
});
