import { Redis } from "ioredis";
import type { RedisOptions } from "ioredis";
import type { Logger } from "../log.js";
import { RepeatedWarning } from "../log-throttle.js";

/**
 * A connection the caller owns, from a `redis://` URL. ioredis reconnects by itself; its `error` events
 * are logged here because an unhandled one is printed to stderr by ioredis. ioredis emits one per failed
 * reconnection attempt, so an outage is logged when it starts, then at most once a minute, and once more
 * when the connection is back. The URL is never logged (it may hold a password).
 */
export function openRedis(url: string, logger: Logger, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, options);
  const outage = new RepeatedWarning(logger, { message: "redis connection error; reconnecting in the background" });
  redis.on("error", (error: Error) => outage.occurred({ err: error.message }));
  redis.on("ready", () => outage.resolve("redis connection restored"));
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

/** How a connection rides out a Redis outage. Every field is optional; the defaults are below. */
export interface ReconnectOptions {
  /** Delay before the first reconnection attempt; it doubles per failed attempt. Default 50 ms. */
  minRetryDelayMs?: number;
  /** Cap of that delay, so a restarted Redis is found again within about this long. Default 1000 ms. */
  maxRetryDelayMs?: number;
  /**
   * Reconnection attempts a call waits through before it fails. Default 1: while Redis is down a call fails
   * within about two retry delays instead of hanging, and a call caught by a brief blip is still sent again.
   */
  maxRetriesPerRequest?: number;
  /** How long one connection attempt may take. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** How long a sent command may wait for its reply (a hung server) before it fails. Default 5000 ms. */
  commandTimeoutMs?: number;
}

/**
 * ioredis settings of a connection that reconnects forever with capped exponential backoff and fails calls
 * fast meanwhile. The offline queue stays on (ioredis' default): calls made while the connection is first
 * being opened, or re-opened after a blip, wait for it instead of failing at once; `maxRetriesPerRequest`
 * is what bounds that wait when Redis stays away.
 */
export function reconnectingOptions(options: ReconnectOptions = {}): RedisOptions {
  const minDelay = options.minRetryDelayMs ?? 50;
  const maxDelay = options.maxRetryDelayMs ?? 1000;
  return {
    retryStrategy: (attempt) => Math.min(minDelay * 2 ** Math.min(attempt - 1, 30), maxDelay),
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 1,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    enableOfflineQueue: true,
  };
}

/** `host:port` of a Redis URL, for messages: the URL itself may carry a password. */
export function redisAddress(url: string): string {
  const { hostname, port } = new URL(url);
  return `${hostname || "localhost"}:${port || "6379"}`;
}
