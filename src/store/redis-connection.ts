import { Redis } from "ioredis";
import type { RedisOptions } from "ioredis";
import type { Logger } from "../log.js";

/**
 * A connection the caller owns, from a `redis://` URL. ioredis reconnects by itself; its `error` events
 * are logged here because an unhandled one is printed to stderr by ioredis. The URL is never logged (it
 * may hold a password).
 */
export function openRedis(url: string, logger: Logger, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, options);
  redis.on("error", (error: Error) => logger.warn({ err: error.message }, "redis connection error"));
  return redis;
}

/** Sends QUIT so replies still in flight arrive; a connection that is not up is dropped at once. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === "end") return;
  if (redis.status !== "ready") {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
