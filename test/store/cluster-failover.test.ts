import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterOptions } from "../../src/store/redis-connection.js";
import { startTestCluster, type TestCluster } from "../support/redis-cluster.js";

const WRITERS = 4;
let cluster: TestCluster;
const clients: Cluster[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
}, 60_000);

afterAll(async () => {
  clients.forEach((client) => client.disconnect());
  await cluster?.dispose();
});

/** A Cluster client with the gateway's own settings, which ride through a failover (see `clusterOptions`). */
function connect(): Cluster {
  const client = new Cluster(
    cluster.seeds.map((seed) => ({ ...seed })),
    clusterOptions(cluster.url, { connectTimeout: 1_000 }),
  );
  client.on("error", () => undefined);
  clients.push(client);
  return client;
}

interface Write {
  key: string;
  value: string;
  startedAt: number;
  doneAt: number;
  /** Whether the write counts as acknowledged (for a write a replica must confirm, whether one did). */
  acknowledged: boolean;
}

/**
 * `concurrency` loops writing distinct keys (spread over every slot) with `write` until `stop`: every write that
 * completed, and the errors of those that failed (a failed write may or may not have landed).
 */
function writeContinuously(concurrency: number, write: (key: string, value: string) => Promise<boolean>) {
  const completed: Write[] = [];
  const errors: string[] = [];
  const inFlight = new Map<string, number>();
  let next = 0;
  let stopped = false;
  const loops = Array.from({ length: concurrency }, async () => {
    while (!stopped) {
      const n = next++;
      const key = `failover-test:${n}`;
      const value = `value-${n}`;
      const startedAt = performance.now();
      inFlight.set(key, startedAt);
      try {
        const acknowledged = await write(key, value);
        completed.push({ key, value, startedAt, doneAt: performance.now(), acknowledged });
      } catch (error) {
        errors.push(`${key}: ${(error as Error).message}`);
      } finally {
        inFlight.delete(key);
      }
    }
  });
  const acknowledged = () => completed.filter((done) => done.acknowledged);
  const state = () =>
    `${acknowledged().length} acknowledged, ${completed.length} completed, errors ${JSON.stringify(errors.slice(0, 5))}, in flight ${JSON.stringify(
      [...inFlight].map(([key, startedAt]) => `${key} for ${Math.round(performance.now() - startedAt)} ms`),
    )}`;
  return {
    completed,
    errors,
    acknowledged,
    async until(count: number, timeoutMs = 30_000): Promise<void> {
      const deadline = performance.now() + timeoutMs;
      while (acknowledged().length < count) {
        if (performance.now() > deadline) throw new Error(`not ${count} acknowledged writes within ${timeoutMs} ms: ${state()}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async stop(): Promise<void> {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/**
 * SET, then WAIT 1 on the same connection (one pipeline to the key's primary): whether a replica confirmed it.
 * Sent again while the cluster fails over: ioredis re-sends a pipeline itself only when all its commands met the
 * same error, and WAIT, which names no key, answers on whatever node the pipeline reached where SET met MOVED.
 */
async function setConfirmed(client: Cluster, key: string, value: string, giveUpAfterMs = 30_000): Promise<boolean> {
  const deadline = performance.now() + giveUpAfterMs;
  for (;;) {
    let error: Error;
    try {
      const [set, wait] = (await client.pipeline().set(key, value).wait(1, 200).exec()) ?? [];
      const failed = set?.[0] ?? wait?.[0];
      if (failed == null) return set?.[1] === "OK" && Number(wait?.[1]) >= 1;
      error = failed;
    } catch (thrown) {
      error = thrown as Error;
    }
    if (!/^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /.test(error.message) || performance.now() > deadline) throw error;
    // The client learns a slot's new primary from a MOVED it handles itself, which a pipeline's it did not is not.
    if (error.message.startsWith("MOVED ")) client.refreshSlotsCache();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function expectAllReadable(client: Cluster, writes: readonly Write[]): Promise<void> {
  const missing: string[] = [];
  for (let index = 0; index < writes.length; index += 100) {
    const batch = writes.slice(index, index + 100);
    const values = await Promise.all(batch.map(({ key }) => client.get(key)));
    batch.forEach(({ key, value }, at) => {
      if (values[at] !== value) missing.push(`${key}=${values[at]}`);
    });
  }
  expect(missing, `${missing.length} of ${writes.length} acknowledged writes are not readable`).toStrictEqual([]);
}

describe("a Redis Cluster for tests: three primaries with a replica each, failing over under writes", () => {
  it("covers every slot with three primaries, each with one replica, and spreads keys over all of them", async () => {
    const { primaries } = await cluster.topology();
    expect(primaries).toHaveLength(3);
    for (const primary of primaries) expect(primary.replicas).toHaveLength(1);
    const ranges = primaries.flatMap(({ slots }) => slots).sort(([a], [b]) => a - b);
    expect(ranges[0]?.[0]).toBe(0);
    expect(ranges.at(-1)?.[1]).toBe(16_383);
    ranges.slice(1).forEach(([from], index) => expect(from).toBe((ranges[index]?.[1] as number) + 1));

    const client = connect();
    const keys = Array.from({ length: 30 }, (_, n) => `spread:${n}`);
    await Promise.all(keys.map((key) => client.set(key, key)));
    expect(await Promise.all(keys.map((key) => client.get(key)))).toStrictEqual(keys);
    const owners = new Set(await cluster.primariesFor(keys));
    expect([...owners].sort()).toStrictEqual(primaries.map(({ port }) => port).sort());
  });

  it("loses no acknowledged write in a manual failover (CLUSTER FAILOVER on the replica), and goes on writing to the promoted node", { timeout: 60_000 }, async () => {
    const client = connect();
    const writer = writeContinuously(WRITERS, async (key, value) => (await client.set(key, value)) === "OK");
    await writer.until(200);
    const before = (await cluster.topology()).primaries.find(({ slots }) => slots.some(([from]) => from === 0));
    const failover = await cluster.failover({ how: "manual" });
    const doneAt = performance.now();
    await writer.until(writer.acknowledged().length + 200);
    await writer.stop();

    expect(failover.stopped).toBe(before?.port);
    expect(failover.promoted).toBe(before?.replicas[0]);
    const promoted = (await cluster.topology()).primaries.find(({ port }) => port === failover.promoted);
    expect(promoted?.slots).toStrictEqual(before?.slots);
    expect(promoted?.replicas).toStrictEqual([failover.stopped]);
    expect(writer.errors).toStrictEqual([]);
    // After the failover, writes reach the slots the promoted node serves now.
    const after = writer.acknowledged().filter(({ startedAt }) => startedAt > doneAt);
    expect(await cluster.primariesFor(after.map(({ key }) => key))).toContain(failover.promoted);
    await expectAllReadable(client, writer.acknowledged());
  });

  it("keeps every write a replica confirmed (WAIT 1) when a primary is killed, writes through it, and takes the node back as a replica", { timeout: 90_000 }, async () => {
    const client = connect();
    // Acknowledged only once a replica holds it: the promoted replica then has everything its dead primary confirmed.
    const writer = writeContinuously(WRITERS, (key, value) => setConfirmed(client, key, value));
    await writer.until(200);
    const killedAt = performance.now();
    const failover = await cluster.failover({ how: "kill" });
    const okAt = performance.now();
    expect(cluster.pid(failover.stopped)).toBeUndefined();
    expect((await cluster.topology()).primaries.find(({ port }) => port === failover.promoted)?.replicas).toStrictEqual([]);

    await cluster.restart(failover.stopped);
    const restartedAt = performance.now();
    await writer.until(writer.acknowledged().length + 200);
    await writer.stop();

    const topology = await cluster.topology();
    expect(topology.primaries.find(({ port }) => port === failover.promoted)?.replicas).toStrictEqual([failover.stopped]);
    expect(topology.primaries.map(({ port }) => port)).not.toContain(failover.stopped);
    // No write failed but those in flight (at most one a writer) on the primary's connection when it died: they
    // may or may not have run, and the client does not send them again. Later ones, sent to the dead primary or
    // while no node served its slots, were sent again.
    expect(writer.errors.length).toBeLessThanOrEqual(WRITERS);
    for (const error of writer.errors) expect(error).toMatch(/: Command aborted due to connection close$/);
    const outage = writer.completed.filter(({ startedAt }) => startedAt > killedAt && startedAt < okAt);
    expect(await cluster.primariesFor(outage.map(({ key }) => key))).toContain(failover.promoted);
    // Once the node is back as its replica, writes to the promoted primary's slots are confirmed again.
    const late = writer.acknowledged().filter(({ startedAt }) => startedAt > restartedAt);
    expect(await cluster.primariesFor(late.map(({ key }) => key))).toContain(failover.promoted);
    await expectAllReadable(client, writer.acknowledged());
  });
});
