/**
 * Runs the simulator as a process:
 *   node dist/simulator/main.js [--port N] [--seed N] [--projects N] [--pipelines N] [--latency-ms N] [--live] [--deviations]
 * Prints one line with the URL and the token, and serves until SIGINT or SIGTERM.
 */
import { parseArgs } from "node:util";
import { definedOnly } from "../defined-only.js";
import { startSimulator } from "./index.js";

function integerFlag(values: Record<string, string | boolean | undefined>, name: string): number | undefined {
  const raw = values[name];
  if (typeof raw !== "string") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} must be a non-negative integer, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    seed: { type: "string" },
    projects: { type: "string" },
    pipelines: { type: "string" },
    "latency-ms": { type: "string" },
    live: { type: "boolean", default: false },
    deviations: { type: "boolean", default: false },
  },
});


const simulator = await startSimulator({
  world: definedOnly({
    seed: integerFlag(values, "seed"),
    projects: integerFlag(values, "projects"),
    pipelinesPerProject: integerFlag(values, "pipelines"),
    deviations: values.deviations ? "all" : undefined,
  }),
  port: integerFlag(values, "port"),
  latencyMs: integerFlag(values, "latency-ms"),
  live: values.live ? {} : null,
});

// Printing the token is deliberate: it is a simulator token that opens nothing but this loopback server.
console.log(`CircleCI simulator listening at ${simulator.url} token ${simulator.token}`);
console.log(`projects ${[...simulator.world.state.projects.keys()].join(",")}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void simulator.stop().then(() => process.exit(0));
  });
}
