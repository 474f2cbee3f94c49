import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { RedisInvalidations, RedisStore } from "../../src/store/index.js";
import { startTestCluster } from "../support/redis-cluster.js";
import type { TestCluster } from "../support/redis-cluster.js";
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
