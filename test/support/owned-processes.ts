import type { ChildProcess } from "node:child_process";
import { register, startTicks, unregister } from "./process-registry.js";

/**
 * Every process a test or a benchmark starts (redis-server, the built CLI, a child test run) is owned here, so
 * none outlives the run that started it, whatever happens to the run. A child process does not die with its
 * parent: a redis-server whose test failed before its `dispose` runs on, holding a port, memory and the data
 * of that run. Four layers, each catching what the one before could not:
 *
 * 1. the code that started it stops it (`stopProcess`, in a test's `afterAll` or a helper's `dispose`);
 * 2. after each test file, `stopLeftovers` (the per-file setup in test/setup/) kills what the file left: a test
 *    that failed or timed out, an `afterAll` that threw, and fails the file naming each one it never stopped;
 * 3. when the owning process exits, or is told to stop by SIGINT, SIGTERM or SIGHUP, it kills every process it
 *    still owns first (a benchmark that crashed, a test worker stopped by the runner);
 * 4. each owned pid is also on file in the run's registry (process-registry.ts), from which the run's global
 *    teardown kills what a worker that died outright (SIGKILL, an abort) left behind.
 */
export interface OwnedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** What it is, for the messages that name a leftover: "redis-server :6379". */
  readonly description: string;
  /** Its pid leads a process group of its own (spawned `detached`): it is stopped with every process in it. */
  readonly group: boolean;
}

export interface OwnOptions {
  /** The child was spawned `detached` and is stopped as a whole group, its own children with it. */
  group?: boolean;
}

/** On globalThis: a test runner that evaluates this module once per test file still has one set per process. */
const OWNED = Symbol.for("circleci-gateway.test.owned-processes");

function ownedProcesses(): Map<number, OwnedProcess> {
  const holder = globalThis as { [OWNED]?: Map<number, OwnedProcess> };
  let processes = holder[OWNED];
  if (processes === undefined) {
    processes = new Map();
    holder[OWNED] = processes;
    installBackstop(processes);
  }
  return processes;
}

/** Takes ownership of a child the caller spawned (best synchronously after `spawn`, before it can exit unseen). */
export function own<T extends ChildProcess>(child: T, description: string, options: OwnOptions = {}): T {
  const pid = child.pid;
  // No pid: it never started, and its "error" event says why. Exited: there is nothing left to stop.
  if (pid === undefined || hasExited(child)) return child;
  const processes = ownedProcesses();
  const group = options.group ?? false;
  processes.set(pid, { child, pid, description, group });
  register({ pid, description, group, startTicks: startTicks(pid) });
  child.once("exit", () => {
    processes.delete(pid);
    unregister(pid);
  });
  return child;
}

/** Children stopped through `stopProcess` (`child.killed` marks those stopped through `child.kill`). */
const askedToStop = new WeakSet<ChildProcess>();

/** Signals the process (or its whole group); one that is gone already is no error. */
export function send(owned: Pick<OwnedProcess, "pid" | "group">, signal: NodeJS.Signals): void {
  try {
    process.kill(owned.group ? -owned.pid : owned.pid, signal);
  } catch {
    // Already gone.
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Stops a child and resolves once it has exited. SIGKILL by default (a crash: nothing saved); a gentler signal
 * is followed by SIGKILL after `graceMs` if the child is still running then.
 */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL", graceMs = 5_000): Promise<void> {
  if (child.pid === undefined || hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const target = { pid: child.pid, group: ownedProcesses().get(child.pid)?.group ?? false };
  askedToStop.add(child);
  send(target, signal);
  const escalation = signal === "SIGKILL" ? undefined : setTimeout(() => send(target, "SIGKILL"), graceMs);
  await exited;
  clearTimeout(escalation);
}

/**
 * Kills every owned process still running and resolves once all have exited, with those that nobody had asked
 * to stop (the leaks: a child that was signalled and is still on its way out is not one).
 */
export async function stopLeftovers(): Promise<OwnedProcess[]> {
  if (ownedProcesses().size === 0) return [];
  // Lets exits that already happened be delivered first, so a child that just ended is not taken for a leftover.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const left = [...ownedProcesses().values()];
  const leaked = left.filter(({ child }) => !child.killed && !askedToStop.has(child));
  await Promise.all(left.map(({ child }) => stopProcess(child)));
  return leaked;
}

export function describeProcesses(processes: readonly Pick<OwnedProcess, "pid" | "description">[]): string {
  return processes.map(({ pid, description }) => `${description} (pid ${pid})`).join(", ");
}

function installBackstop(processes: Map<number, OwnedProcess>): void {
  const killAll = () => {
    for (const owned of processes.values()) send(owned, "SIGKILL");
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      killAll();
      process.off(signal, onSignal);
      // Nobody else handles it: die of it as the default would have.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
