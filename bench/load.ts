/** Forked by `load-process.ts`: one autocannon run, its summary sent back over IPC. */
import autocannon from "autocannon";
import { LOAD_SPEC_VARIABLE, loadSpecSchema } from "./load-process.js";
import type { LoadResult } from "./load-process.js";

async function main(): Promise<void> {
  const spec = loadSpecSchema.parse(JSON.parse(process.env[LOAD_SPEC_VARIABLE] ?? "null"));
  const result = await autocannon({
    url: spec.url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: spec.body,
    connections: spec.connections,
    duration: spec.durationSeconds,
    ...(spec.amount === undefined ? {} : { amount: spec.amount }),
    timeout: spec.timeoutSeconds,
  });
  const summary: LoadResult = {
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
    durationSeconds: result.duration,
  };
  process.send?.(summary, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
