import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storedForm } from "../../src/store/codec.js";
import { RedisInvalidations, RedisLeaderLock, RedisStore, WriteFencedError } from "../../src/store/index.js";
import { startTestCluster } from "../support/redis-cluster.js";
import type { TestCluster } from "../support/redis-cluster.js";
import { at, pipeline, write, writes } from "./fixtures.js";
import { storeContract } from "./store-contract.js";

/** The store contract on a real Redis Cluster (3 primaries, 3 replicas on loopback): one project per slot, writes split per slot. */
let cluster: TestCluster;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
}, 60_000);

afterAll(async () => {
  await Promise.all(opened.map((part) => part.close()));
  await cluster?.dispose();
});

storeContract("RedisStore on a Redis Cluster", async () => {
  const prefix = `test-${randomUUID()}:`;
  const invalidations = RedisInvalidations.connect(cluster.url, { prefix, cluster: true });
  await invalidations.barrier();
  const store = new RedisStore({ url: cluster.url, prefix, cluster: true });
  opened.push(store, invalidations);
  return { store, invalidations };
});

describe("the leader lease on a Redis Cluster", () => {
  it("raises every project slot's fence when a new leader takes the lease, so a deposed one is refused where the new one has not written", async () => {
    const prefix = `test-${randomUUID()}:`;
    const store = new RedisStore({ url: cluster.url, prefix, cluster: true });
    const [first, second] = [RedisLeaderLock.connect(cluster.url, { prefix, cluster: true }), RedisLeaderLock.connect(cluster.url, { prefix, cluster: true })];
    opened.push(store, first, second);
    const [a, b] = [pipeline(1, at(1)), pipeline(2, at(2), { project: "gh/acme/other" })];
    expect(await first.acquire()).toBe(true);
    const deposed = first.fencingToken as number;
    // The first leader wrote two projects, in two slots of their own.
    await write(store, writes.pipelines([a, b]), deposed);
    await first.release();
    expect(await second.acquire()).toBe(true);
    // The new leader has written neither project, yet the old epoch is refused in both.
    for (const written of [a, b]) {
      const refused = await store.applyWrites({ epoch: deposed, writes: writes.pipelines([{ ...written, state: "errored" }]) }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(WriteFencedError);
      expect(refused).toMatchObject({ epoch: deposed, newerEpoch: second.fencingToken });
    }
    expect(await store.getPipelines([a.id, b.id])).toStrictEqual([a, b].map((document) => storedForm("pipeline", document)));
    await write(store, writes.pipelines([{ ...a, state: "errored" }]), second.fencingToken);
  });
});
