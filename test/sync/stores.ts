import { afterAll, beforeAll } from "vitest";
import { MemoryStore } from "../../src/store/memory-store.js";
import { RedisStore } from "../../src/store/redis-store.js";
import type { Store } from "../../src/store/store.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";

export interface StoreKind {
  name: "MemoryStore" | "RedisStore";
  create(): Store;
}

/**
 * Both stores, for `describe.each`: the sync must behave the same on either. Registers hooks that
 * start a private redis-server for the file (stopped after it); each store gets its own key prefix.
 */
export function storeKinds(): StoreKind[] {
  let redis: TestRedis | undefined;
  let stores = 0;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  return [
    { name: "MemoryStore", create: () => new MemoryStore() },
    {
      name: "RedisStore",
      create: () => {
        if (redis === undefined) throw new Error("redis-server did not start");
        stores += 1;
        return new RedisStore({ url: redis.url, prefix: `sync-test-${stores}:` });
      },
    },
  ];
}
