#!/usr/bin/env node
// `node .ci/leftover-processes.mjs <pid of the run>`: exits 1, naming them, when processes that the run started
// are still alive at its end (a redis-server, a gateway, a test worker that outlived the suite). A process is the
// run's when it started after the run did and either carries the run's mark in its environment (CI_RUN_MARK,
// which every child inherits) or works in the run's directory (the environment of the built CLI under test is
// scrubbed to its settings). The machine's own services (Redis on 6379, PostgreSQL, MariaDB, RabbitMQ, Mosquitto,
// NATS) started before the run, outside it: they are never counted. Reads /proc, so Linux only. Kills nothing:
// what it names is for a person to look at and stop.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { sep } from "node:path";

const GRACE_MS = 5_000;
const runPid = Number(process.argv[2]);
if (!Number.isInteger(runPid) || runPid <= 0) {
  console.error("leftover-processes: pass the pid of the run (bash: $$) as the first argument");
  process.exit(2);
}
const mark = process.env.CI_RUN_MARK;

/** State, parent and start time (clock ticks since boot) from /proc/<pid>/stat; undefined once it is gone. */
function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0], ppid: Number(fields[1]), startTicks: BigInt(fields[19]) };
  } catch {
    return undefined;
  }
}

function read(path, fallback) {
  try {
    return path.endsWith("/cwd") ? readlinkSync(path) : readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

const run = stat(runPid);
const runDir = read(`/proc/${runPid}/cwd`, undefined);
if (run === undefined || runDir === undefined) {
  console.error(`leftover-processes: the run (pid ${runPid}) is not running`);
  process.exit(2);
}
if (runDir === "/") {
  console.error("leftover-processes: the run works in /, where every process works: run it from its checkout");
  process.exit(2);
}

/** This checker and the processes it runs under (the run itself, whatever started the run). */
const ancestors = new Set();
for (let pid = process.pid; pid > 1 && !ancestors.has(pid); pid = stat(pid)?.ppid ?? 0) ancestors.add(pid);

function leftovers() {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => !ancestors.has(pid))
    .flatMap((pid) => {
      const info = stat(pid);
      // Zombies hold nothing; what started before the run is not the run's.
      if (info === undefined || info.state === "Z" || info.startTicks < run.startTicks) return [];
      const marked = mark !== undefined && read(`/proc/${pid}/environ`, "").split("\0").includes(`CI_RUN_MARK=${mark}`);
      const cwd = read(`/proc/${pid}/cwd`, "");
      const inRunDir = cwd === runDir || cwd.startsWith(runDir + sep);
      if (!marked && !inRunDir) return [];
      const command = read(`/proc/${pid}/cmdline`, "").split("\0").join(" ").trim();
      return [{ pid, ppid: info.ppid, command, cwd }];
    });
}

// Processes stopped at the very end (a demo's process group, a benchmark's servers) may take a moment to go.
const deadline = Date.now() + GRACE_MS;
let left = leftovers();
while (left.length > 0 && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 250));
  left = leftovers();
}
if (left.length === 0) {
  console.log("leftover-processes: every process the run started has exited");
  process.exit(0);
}
console.error(`leftover-processes: ${left.length} process(es) the run started are still running ${GRACE_MS / 1000} s after its end:`);
for (const { pid, ppid, command, cwd } of left) console.error(`  pid ${pid} (parent ${ppid}) in ${cwd}: ${command}`);
console.error(`Stop them once looked at: kill ${left.map(({ pid }) => pid).join(" ")}`);
process.exit(1);
