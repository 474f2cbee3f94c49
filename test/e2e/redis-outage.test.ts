import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { DashboardDocument } from "../generated/graphql.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { compareStoreWithTruth } from "../support/truth.js";
import { waitFor } from "../server/wait-for.js";
import { execute, firstSyncCycle, startGateway } from "./gateway.js";
import type { Gateway } from "./gateway.js";

const DAY_MS = 86_400_000;
let sim: Simulator;
let redis: TestRedis;
let gateway: Gateway;
let slugs: string[];
const logs: { level: number; msg: string; [key: string]: unknown }[] = [];

beforeAll(async () => {
  [sim, redis] = await Promise.all([startSimulator({ world: { seed: 23, projects: 2, pipelinesPerProject: 6, historyDays: 2 } }), startTestRedis()]);
  slugs = [...sim.world.state.projects.keys()];
  const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  gateway = await startGateway({ sim, redisUrl: redis.url, redisPrefix: "e2e-outage:", projectSlugs: slugs, syncIntervalSeconds: 1, syncLeaderTtlSeconds: 2, logger });
  await firstSyncCycle(gateway);
});

afterAll(async () => {
  await gateway?.stop();
  await sim?.stop();
  await redis?.stop();
});

async function readyz(): Promise<{ status: number; body: unknown }> {
  const response = await fetch(new URL("/readyz", gateway.url));
  return { status: response.status, body: await response.json() };
}

describe("explore", () => {
  it("what happens", async () => {
    console.log(await readyz());
    const before = await execute(gateway.url, DashboardDocument, { projectSlug: slugs[0] as string, first: 5 });
    console.log("before", before.status, before.body.errors);
    const mark = logs.length;
    await redis.stop();
    const t0 = Date.now();
    for (let i = 0; i < 6; i++) {
      const r = await readyz();
      const started = Date.now();
      const q = await execute(gateway.url, DashboardDocument, { projectSlug: slugs[0] as string, first: 5 });
      console.log(Date.now() - t0, r.status, JSON.stringify(r.body), "query", q.status, Date.now() - started, JSON.stringify(q.body.errors)?.slice(0, 300), q.body.data?.pipelines.nodes.length);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    console.log(logs.slice(mark).map((l) => `${l.level} ${l.component ?? ""} ${l.msg} ${String(l.err ?? "").slice(0, 100)}`).join("\n"));
    console.log(gateway.lines.join("\n"));
    const mark2 = logs.length;
    await redis.start();
    await waitFor("ready", async () => (await readyz()).status === 200, 20_000);
    console.log(logs.slice(mark2).map((l) => `${l.level} ${l.component ?? ""} ${l.msg} ${String(l.err ?? "").slice(0, 100)}`).join("\n"));
    const since = sim.world.state.now - 30 * DAY_MS;
    expect(await compareStoreWithTruth(gateway.store, sim.world, { projectSlugs: slugs, since })).toEqual([]);
  }, 60_000);
});
