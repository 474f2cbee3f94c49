/**
 * The load generator, run in a process of its own (`load.js`, autocannon's programmatic API) so it never
 * competes with the runner's simulator for an event loop; the runner forks it once per measurement.
 */
import { fork } from "node:child_process";
import { z } from "zod";
import { own } from "../test/support/owned-processes.js";

export const loadSpecSchema = z.object({
  url: z.string(),
  /** The JSON body POSTed on every request. */
  body: z.string(),
  connections: z.number().int().positive(),
  /** Seconds; ignored when `amount` is set. */
  durationSeconds: z.number().positive(),
  /** Requests in all, instead of a duration (for the slow baselines). */
  amount: z.number().int().positive().optional(),
  /** Per request, seconds. */
  timeoutSeconds: z.number().positive(),
});
export type LoadSpec = z.infer<typeof loadSpecSchema>;

export const loadResultSchema = z.object({
  requests: z.number(),
  requestsPerSecond: z.number(),
  latencyP50Ms: z.number(),
  latencyP99Ms: z.number(),
  /** Connection errors, timeouts and non-2xx answers. */
  failures: z.number(),
  durationSeconds: z.number(),
});
export type LoadResult = z.infer<typeof loadResultSchema>;

export const LOAD_SPEC_VARIABLE = "BENCH_LOAD_SPEC";

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const child = own(
    fork(new URL("./load.js", import.meta.url), [], {
      env: { ...process.env, [LOAD_SPEC_VARIABLE]: JSON.stringify(spec) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
    "bench load generator",
  );
  return new Promise((resolve, reject) => {
    let result: LoadResult | undefined;
    child.once("message", (message) => {
      result = loadResultSchema.parse(message);
    });
    child.once("exit", (code) => (result === undefined ? reject(new Error(`the load generator exited with code ${code} and no result`)) : resolve(result)));
  });
}
