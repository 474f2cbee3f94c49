import { Redis } from "ioredis";

/** Everything a deployment holds in Redis (every key under `prefix`, with its value), to compare two moments. */
export async function redisSnapshot(url: string, prefix: string): Promise<Record<string, unknown>> {
  const redis = new Redis(url);
  try {
    const snapshot: Record<string, unknown> = {};
    for (const key of (await redis.keys(`${prefix}*`)).sort()) {
      const type = await redis.type(key);
      if (type === "string") snapshot[key] = await redis.get(key);
      else if (type === "hash") snapshot[key] = await redis.hgetall(key);
      else if (type === "zset") snapshot[key] = await redis.zrange(key, 0, -1, "WITHSCORES");
      else if (type === "list") snapshot[key] = await redis.lrange(key, 0, -1);
      else snapshot[key] = `(${type})`;
    }
    return snapshot;
  } finally {
    redis.disconnect();
  }
}
