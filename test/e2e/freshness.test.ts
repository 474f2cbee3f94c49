import { createClient } from "graphql-ws";
import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { sharedRedisEnv, startServeProcess } from "../support/cli-process.js";
import type { CliRun } from "../support/cli-process.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import type { TcpProxy } from "../support/tcp-proxy.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { metricsText, sampleValue } from "../metrics/prometheus-text.js";
import { waitFor } from "../server/wait-for.js";

/**
 * Freshness with every cache on: a living simulator, one Redis, two built `serve` processes (A syncs every second,
 * B only serves), a subscriber on A, and a client on each instance asking the same dashboard in a loop, so most
 * answers come from the answer cache and the L1. Every answer to a request sent after a change event reached the
 * subscriber must show that change (or a newer one), on the instance that announced it and on the other one: the
 * barrier each request awaits makes an instance catch up with every write committed before the request arrived.
 * B reaches Redis through a proxy that breaks its link mid-run, first by dropping its connections again and again
 * (invalidations published meanwhile never reach it), then by stalling them open and silent: B must serve nothing
 * stale then or after.
 */
const PREFIX = "freshness:";
const QUERY = /* GraphQL */ `
  query Fresh($slug: String!) {
    pipelines(projectSlug: $slug, first: 20) { nodes { id createdAt workflows { id status } } }
  }
`;
const PHASE_MS = 4000;
const FLAP_MS = 2000;
const STALL_MS = 2500;

interface Answer {
  instance: string;
  sentAt: number;
  pipelines: { id: string; createdAt: string; workflows: { id: string; status: string }[] }[];
}

interface Instance {
  name: string;
  run: CliRun;
  url: string;
}

interface Delivered<T> {
  at: number;
  value: T;
}

let sim: Simulator;
let redis: TestRedis;
let slug: string;
let subscriber: Client;
const instances: Instance[] = [];
const workflowEvents = new Map<string, Delivered<string>[]>();
const pipelineEvents: Delivered<{ id: string; createdAt: string }>[] = [];
let proxy: TcpProxy;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  [sim, redis] = await Promise.all([
    startSimulator({
      world: { seed: 81, projects: 1, pipelinesPerProject: 10, historyDays: 2, activity: { pipelineEveryMs: 20_000 } },
      // 15 simulated seconds every 250 ms: a pipeline about every 0.3 s, jobs finishing within seconds.
      live: { tickMs: 250, speed: 60 },
    }),
    startTestRedis(),
  ]);
  slug = [...sim.world.state.projects.keys()][0] as string;
  const env = { ...sharedRedisEnv({ sim, slugs: [slug], redisUrl: redis.url, prefix: PREFIX }), SYNC_LEADER_TTL_SECONDS: "2", LOG_LEVEL: "info" };
  // B reaches Redis through a proxy the last test stalls.
  proxy = await startTcpProxy({ host: "127.0.0.1", port: Number(new URL(redis.url).port) });
  for (const [name, interval, redisUrl] of [["A", "1", redis.url], ["B", "0", `redis://${proxy.address}`]] as const) {
    const { run, url } = await startServeProcess({ ...env, SYNC_INTERVAL_SECONDS: interval, REDIS_URL: redisUrl });
    instances.push({ name, run, url });
  }
  const [a] = instances as [Instance, Instance];
  await waitFor("the first sync cycle", async () => (await fetch(a.url.replace(/\/graphql$/, "/readyz"))).ok, 30_000);
  subscriber = createClient({ url: a.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
  await subscribe(subscriber);
}, 60_000);

afterAll(async () => {
  await subscriber?.dispose();
  for (const { run } of instances) if (run.child.exitCode === null) run.child.kill("SIGTERM");
  await Promise.all(instances.map(({ run }) => run.exited));
  await proxy?.close();
  await sim?.stop();
  await redis?.stop();
});

/** Both subscriptions, live once each has delivered or the server has had time to register them. */
async function subscribe(client: Client): Promise<void> {
  const sink = <T>(onData: (data: T) => void) => ({
    next: ({ data }: { data?: T | null }) => data != null && onData(data),
    error: (error: unknown) => {
      throw error instanceof Error ? error : new Error(JSON.stringify(error));
    },
    complete: () => undefined,
  });
  client.subscribe(
    { query: `subscription { workflowStatusChanged(projectSlug: "${slug}") { id status } }` },
    sink<{ workflowStatusChanged: { id: string; status: string } }>(({ workflowStatusChanged: { id, status } }) => {
      const trail = workflowEvents.get(id) ?? [];
      trail.push({ at: Date.now(), value: status });
      workflowEvents.set(id, trail);
    }),
  );
  client.subscribe(
    { query: `subscription { pipelineCreated(projectSlug: "${slug}") { id createdAt } }` },
    sink<{ pipelineCreated: { id: string; createdAt: string } }>(({ pipelineCreated }) => pipelineEvents.push({ at: Date.now(), value: pipelineCreated })),
  );
  await waitFor("the subscriptions to carry events", () => pipelineEvents.length > 0 && workflowEvents.size > 0, 20_000);
}

/** Both clients asking in a loop while `during` runs (and for `ms` at least), then the answers they got. */
async function askWhile(ms: number, during: () => Promise<void> = async () => undefined): Promise<Answer[]> {
  const answers: Answer[] = [];
  let running = true;
  const loops = instances.map(({ name, url }) =>
    (async () => {
      while (running) {
        const sentAt = Date.now();
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: QUERY, variables: { slug } }),
        }).catch(() => undefined);
        const body = (await response?.json().catch(() => undefined)) as { data?: { pipelines: { nodes: Answer["pipelines"] } }; errors?: unknown[] } | undefined;
        if (body?.data != null && body.errors === undefined) answers.push({ instance: name, sentAt, pipelines: body.data.pipelines.nodes });
        await sleep(10);
      }
    })(),
  );
  await Promise.all([sleep(ms), during()]);
  running = false;
  await Promise.all(loops);
  return answers;
}

/** Every way an answer shows less than a change the subscriber had already been told of when it was asked. */
function staleness(answers: readonly Answer[]): { checked: number; stale: string[] } {
  const stale: string[] = [];
  let checked = 0;
  for (const answer of answers) {
    for (const pipeline of answer.pipelines) {
      for (const workflow of pipeline.workflows) {
        const trail = workflowEvents.get(workflow.id) ?? [];
        const known = trail.findLastIndex(({ at }) => at < answer.sentAt);
        if (known === -1) continue;
        checked += 1;
        const current = trail.slice(known).map(({ value }) => value);
        if (!current.includes(workflow.status)) {
          stale.push(`${answer.instance} at ${answer.sentAt}: workflow ${workflow.id} ${workflow.status}, told ${trail[known]?.value} at ${trail[known]?.at}`);
        }
      }
    }
    const oldest = answer.pipelines.at(-1);
    if (oldest === undefined) continue;
    const ids = new Set(answer.pipelines.map(({ id }) => id));
    for (const { at, value } of pipelineEvents) {
      if (at >= answer.sentAt || Date.parse(value.createdAt) <= Date.parse(oldest.createdAt)) continue;
      checked += 1;
      if (!ids.has(value.id)) stale.push(`${answer.instance} at ${answer.sentAt}: pipeline ${value.id} missing, told at ${at}`);
    }
  }
  return { checked, stale };
}

/** Fresh, and not vacuously: many answers of both instances were checked against changes already told. */
function expectFresh(answers: readonly Answer[]): void {
  const { checked, stale } = staleness(answers);
  expect(stale).toEqual([]);
  expect(checked).toBeGreaterThan(100);
  for (const { name } of instances) expect(answers.filter((answer) => answer.instance === name).length).toBeGreaterThan(10);
}

describe("freshness with the answer cache and the L1 on, across two instances", () => {
  it("answers every request sent after a change event reached a subscriber with that change, from memory", async () => {
    const hits = await Promise.all(instances.map(async ({ url }) => answerCacheHits(url)));
    expectFresh(await askWhile(PHASE_MS));
    // The caches did the serving: both instances answered identical requests from memory.
    for (const [index, { url }] of instances.entries()) expect(await answerCacheHits(url)).toBeGreaterThan(hits[index] as number);
  });

  it("serves nothing stale while one instance's connections to Redis keep dropping, nor once they are back", async () => {
    const [, b] = instances as [Instance, Instance];
    let dropped = 0;
    const answers = await askWhile(PHASE_MS, async () => {
      await sleep(PHASE_MS / 4);
      // A flapping link: B's connections to Redis are dropped as soon as they are back, for a while, then let be.
      for (const until = Date.now() + FLAP_MS; Date.now() < until; await sleep(25)) dropped += proxy.drop();
    });
    expect(dropped).toBeGreaterThanOrEqual(6);
    expect(b.run.stdout()).toContain("every cache is reset");
    expectFresh(answers);
  });

  it("serves nothing stale while one instance's link to Redis stalls (open, but silent), nor once it flows again", async () => {
    const answers = await askWhile(PHASE_MS, async () => {
      await sleep(PHASE_MS / 4);
      proxy.freeze();
      await sleep(STALL_MS);
      proxy.thaw();
    });
    expectFresh(answers);
  });
});

async function answerCacheHits(url: string): Promise<number> {
  return sampleValue(await metricsText(url), "circleci_gateway_answer_cache_lookups_total", { result: "hit" }) ?? 0;
}
