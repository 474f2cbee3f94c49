import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { own, stopProcess } from "../support/owned-processes.js";
import { makeProcessDir, processRunning } from "../support/process-registry.js";

const CHECK = fileURLToPath(new URL("../../.ci/leftover-processes.mjs", import.meta.url));

/**
 * A stand-in for `.ci/run`: a bash that marks itself as a run, does `work`, then runs the check on itself, in a
 * directory of its own so that nothing else of this test run counts as its.
 */
async function runWithCheck(work: string, dir = makeProcessDir("ci-run-")): Promise<{ code: number | null; output: string }> {
  const script = `export CI_RUN_MARK="test-run-$$"\n${work}\n${JSON.stringify(process.execPath)} ${JSON.stringify(CHECK)} "$$"`;
  const child = own(spawn("bash", ["-c", script], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] }), "bash (a CI run)");
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, output };
}

describe.skipIf(!existsSync("/proc/self/environ"))("the CI run's check for leftover processes", () => {
  it("passes when everything the run started has exited, and counts nothing that was running before it", async () => {
    const dir = makeProcessDir("ci-run-");
    // Started before the run, in its directory: as a machine's own service is, it is not the run's.
    const service = own(spawn("sleep", ["30"], { cwd: dir, stdio: "ignore" }), "sleep (a service of the machine)");
    // Start times count in clock ticks (10 ms): the run starts in a later one.
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      const { code, output } = await runWithCheck("sleep 0.1 & wait", dir);
      expect(code, output).toBe(0);
      expect(output).toContain("every process the run started has exited");
    } finally {
      await stopProcess(service);
    }
  });

  it("fails naming a process the run started that still runs, by its mark or by its directory", { timeout: 30_000 }, async () => {
    // One inherits the mark; the other is started without any environment, as the tests start the built CLI.
    const { code, output } = await runWithCheck(`sleep 300 &\necho "marked $!"\nenv -i sleep 301 &\necho "unmarked $!"`);
    const pids = [...output.matchAll(/^(?:marked|unmarked) (\d+)$/gm)].map((match) => Number(match[1]));
    try {
      expect(code, output).toBe(1);
      expect(pids).toHaveLength(2);
      for (const pid of pids) expect(output).toMatch(new RegExp(`pid ${pid} \\(parent \\d+\\) in \\S+: sleep 30[01]`));
      expect(output).toContain(`kill ${pids.join(" ")}`);
    } finally {
      for (const pid of pids) if (processRunning(pid)) process.kill(pid, "SIGKILL");
    }
  });
});
