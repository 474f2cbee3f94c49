/**
 * The rig of the answers' end-to-end tests: a simulator and a Redis of their own, the cache filled by the built
 * `sync --once`, then the built `serve` (sync off) over it, asked with typed documents.
 */
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { expect } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator, SimulatorOptions } from "../../src/simulator/index.js";
import { runCli, sharedRedisEnv, startServeProcess, stopCli } from "../support/cli-process.js";
import type { CliRun } from "../support/cli-process.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import type { GraphQLResponse } from "./gateway.js";

export interface SyncedServe {
  sim: Simulator;
  redis: TestRedis;
  /** The world's projects, by slug. */
  slugs: string[];
  /** The environment both commands ran with. */
  env: NodeJS.ProcessEnv;
  serve: { run: CliRun; url: string };
}

export async function startSyncedServe(world: NonNullable<SimulatorOptions["world"]>, prefix: string): Promise<SyncedServe> {
  const [sim, redis] = await Promise.all([startSimulator({ world }), startTestRedis()]);
  const slugs = [...sim.world.state.projects.keys()].sort();
  const env = sharedRedisEnv({ sim, slugs, redisUrl: redis.url, prefix });
  expect(await runCli(["sync", "--once"], env).exited).toBe(0);
  const serve = await startServeProcess({ ...env, SYNC_INTERVAL_SECONDS: "0" });
  return { sim, redis, slugs, env, serve };
}

export async function stopSyncedServe(rig: SyncedServe | undefined): Promise<void> {
  if (rig === undefined) return;
  await stopCli(rig.serve.run);
  await rig.sim.stop();
  await rig.redis.stop();
}

export async function queryServe<TData, TVariables>(url: string, document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<GraphQLResponse<TData>["body"]> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: print(document), variables }) });
  return (await response.json()) as GraphQLResponse<TData>["body"];
}

/** The answer's data; throws with the whole answer when it has errors or no data. */
export async function dataOfServe<TData, TVariables>(url: string, document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<TData> {
  const body = await queryServe(url, document, variables);
  if (body.errors !== undefined || body.data == null) throw new Error(`expected data, got ${JSON.stringify(body)}`);
  return body.data;
}
