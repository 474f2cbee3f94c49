import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

/**
 * The run directory of one test run, shared by every worker: `pids/` holds a file per process a worker started
 * and has not seen exit, so the run's teardown can stop what a worker that died (SIGKILL, a crash) could not.
 * Temporary directories of test processes live beside it and go with it. Set by the global setup; unset
 * outside a test run (benchmarks, ad-hoc scripts), where only the in-process backstop applies.
 */
export const RUN_DIR_VARIABLE = "TEST_PROCESSES_RUN_DIR";

const entrySchema = z.object({
  pid: z.number().int().positive(),
  description: z.string(),
  /** Whether the pid leads a process group of its own, to be stopped as a whole. */
  group: z.boolean(),
  /** Linux only: when the process started, so a pid reused by another process is never signalled. */
  startTicks: z.string().optional(),
});
export type RegistryEntry = z.infer<typeof entrySchema>;

export function createRunDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "test-run-"));
  mkdirSync(join(dir, "pids"));
  return dir;
}

function pidsDir(): string | undefined {
  const runDir = process.env[RUN_DIR_VARIABLE];
  return runDir === undefined || runDir === "" ? undefined : join(runDir, "pids");
}

/** A fresh temporary directory for a test process's data: inside the run directory during a test run. */
export function makeProcessDir(prefix: string): string {
  return mkdtempSync(join(process.env[RUN_DIR_VARIABLE] || tmpdir(), prefix));
}

export function register(entry: RegistryEntry): void {
  const dir = pidsDir();
  if (dir !== undefined) writeFileSync(join(dir, `${entry.pid}.json`), JSON.stringify(entry));
}

export function unregister(pid: number): void {
  const dir = pidsDir();
  if (dir !== undefined) rmSync(join(dir, `${pid}.json`), { force: true });
}

export function registeredEntries(runDir: string): RegistryEntry[] {
  const dir = join(runDir, "pids");
  return readdirSync(dir).flatMap((name) => {
    try {
      return [entrySchema.parse(JSON.parse(readFileSync(join(dir, name), "utf8")))];
    } catch {
      // Removed in the same instant (its process exited): nothing to stop through it.
      return [];
    }
  });
}

/**
 * Field 22 of /proc/<pid>/stat (clock ticks since boot at the fork): with the pid it names one process for the
 * life of the machine. Undefined where there is no /proc (macOS) or once the process is gone.
 */
export function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Whether the pid names a live process: one that exited but was not reaped yet (a zombie) holds nothing. */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    // No /proc (macOS): the signal check is all there is.
    return true;
  }
}

/** Whether the process the entry names still runs (and is the same process, where that can be told). */
export function stillRunning(entry: RegistryEntry): boolean {
  return processRunning(entry.pid) && (entry.startTicks === undefined || startTicks(entry.pid) === entry.startTicks);
}

export function removeRunDir(runDir: string): void {
  rmSync(runDir, { recursive: true, force: true });
}
