import { describeProcesses, send } from "../support/owned-processes.js";
import { createRunDir, registeredEntries, removeRunDir, RUN_DIR_VARIABLE, stillRunning } from "../support/process-registry.js";
import type { RegistryEntry } from "../support/process-registry.js";

/**
 * The run's last line of defence (see test/support/owned-processes.ts): every worker registers the processes it
 * starts in this run's directory, and the teardown kills whatever is still registered and running, which only a
 * worker that died before its own cleanup can leave.
 */
export default function setup(): () => Promise<void> {
  const runDir = createRunDir();
  // Test workers are started after the global setup, with its environment.
  process.env[RUN_DIR_VARIABLE] = runDir;
  return async () => {
    const left = registeredEntries(runDir).filter(stillRunning);
    for (const entry of left) send(entry, "SIGKILL");
    await waitUntilGone(left);
    if (left.length > 0) {
      console.error(`test run: a test worker died and left processes running; stopped ${describeProcesses(left)}`);
    }
    removeRunDir(runDir);
  };
}

async function waitUntilGone(entries: readonly RegistryEntry[], timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (entries.some(stillRunning) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
}
