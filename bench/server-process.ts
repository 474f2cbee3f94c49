/**
 * The runner's side of the gateway under test: forks `server.js` (the built product in a process of its own, so
 * the load generator and the runner's simulator never share its event loop) and asks it for its counters over IPC.
 */
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { z } from "zod";
import { own } from "../test/support/owned-processes.js";

export const SERVER_MODES = ["cached", "passthrough", "naive"] as const;
export type ServerMode = (typeof SERVER_MODES)[number];

export const serverSpecSchema = z.object({
  /** cached: the product; passthrough: the same with `cache: false`; naive: one REST call per field resolution. */
  mode: z.enum(SERVER_MODES),
  simUrl: z.string(),
  token: z.string(),
  redisUrl: z.string(),
  redisPrefix: z.string(),
  projectSlugs: z.array(z.string()),
  concurrency: z.number().int().positive(),
  requestsPerSecond: z.number().positive(),
  /** GRAPHQL_ANSWER_CACHE_ENTRIES; 0 keeps every answer executing. */
  answerCacheEntries: z.number().int().nonnegative(),
});
export type ServerSpec = z.infer<typeof serverSpecSchema>;

export const serverStatsSchema = z.object({
  redisRoundTrips: z.number(),
  rssBytes: z.number(),
  /** The gateway process's CPU time so far (user + system), in microseconds. */
  cpuMicros: z.number(),
  subscribers: z.number(),
});
export type ServerStats = z.infer<typeof serverStatsSchema>;

export const serverMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), url: z.string() }),
  z.object({ type: z.literal("stats"), stats: serverStatsSchema }),
  z.object({ type: z.literal("failed"), message: z.string() }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
export type RunnerMessage = { type: "stats" } | { type: "stop" };

export const SPEC_VARIABLE = "BENCH_SERVER_SPEC";

export interface ServerProcess {
  readonly url: string;
  stats(): Promise<ServerStats>;
  /** Drains the gateway and waits for the process to exit (a `--cpu-prof` profile is written then). */
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  /** Writes a V8 CPU profile of the gateway here when it stops. */
  cpuProfileDir?: string;
}

export async function startServerProcess(spec: ServerSpec, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const child = own(
    fork(new URL("./server.js", import.meta.url), [], {
      // As deployed (`npm start`): graphql-js skips its development-only checks under NODE_ENV=production.
      env: { ...process.env, NODE_ENV: "production", [SPEC_VARIABLE]: JSON.stringify(spec) },
      execArgv: options.cpuProfileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
    `bench gateway (${spec.mode})`,
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = await nextMessage(child, "ready");
  return {
    url: ready.url,
    async stats() {
      const answer = nextMessage(child, "stats");
      send(child, { type: "stats" });
      return (await answer).stats;
    },
    async stop() {
      if (child.exitCode === null) send(child, { type: "stop" });
      await exited;
    },
  };
}

function send(child: ChildProcess, message: RunnerMessage): void {
  child.send(message);
}

function nextMessage<T extends ServerMessage["type"]>(child: ChildProcess, type: T): Promise<Extract<ServerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`the benchmark gateway exited (code ${code}) before it answered "${type}"`));
    };
    const onMessage = (raw: unknown) => {
      const message = serverMessageSchema.parse(raw);
      if (message.type === "failed") {
        cleanup();
        reject(new Error(`the benchmark gateway failed: ${message.message}`));
      } else if (message.type === type) {
        cleanup();
        resolve(message as Extract<ServerMessage, { type: T }>);
      }
    };
    const cleanup = () => {
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}
