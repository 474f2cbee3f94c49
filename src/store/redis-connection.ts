import { Cluster, Redis } from "ioredis";
import type { ClusterOptions, RedisOptions } from "ioredis";
import type { Logger } from "../log.js";
import { RepeatedWarning } from "../log-throttle.js";

/** One Redis server or a Redis Cluster: the commands, pipelines and scripts the store uses work on both. */
export type RedisClient = Redis | Cluster;

/** Where the deployment's Redis is: `REDIS_URL` and `REDIS_CLUSTER`. */
export interface RedisTarget {
  /** A `redis://` URL; for a cluster, one or more seed nodes' URLs separated by commas. */
  url: string;
  /** Whether `url` names a Redis Cluster. Default false. */
  cluster?: boolean;
}

/**
 * A connection the caller owns: to one server, or (`cluster`) an ioredis `Cluster` that learns the slots from any
 * seed and follows failovers. ioredis reconnects by itself; its `error` events are logged here because an unhandled
 * one is printed to stderr by ioredis. ioredis emits one per failed reconnection attempt, so an outage is logged
 * when it starts, then at most once a minute, and once more when the connection is back. The URL is never logged
 * (it may hold a password).
 */
export function openRedis(target: RedisTarget, logger: Logger, options: RedisOptions = {}): RedisClient {
  const redis = target.cluster === true ? new Cluster(seedNodes(target.url), clusterOptions(target.url, options)) : new Redis(singleUrl(target.url), options);
  const outage = new RepeatedWarning(logger, { message: "redis connection error; reconnecting in the background" });
  redis.on("error", (error: Error) => outage.occurred({ err: error.message }));
  redis.on("ready", () => outage.resolve("redis connection restored"));
  return redis;
}

function singleUrl(url: string): string {
  if (url.includes(",")) throw new RangeError("REDIS_URL lists several servers: set REDIS_CLUSTER=true when they are the seed nodes of a Redis Cluster");
  return url;
}

function seedNodes(url: string): { host: string; port: number }[] {
  return url
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const { hostname, port } = new URL(part);
      return { host: hostname || "localhost", port: Number(port || "6379") };
    });
}

/**
 * The seeds' credentials and TLS (from the first URL) apply to every node the cluster names. While a primary fails
 * over, a command for its slots waits and is sent again (`retryDelayOn*`, counted against `maxRedirections`) until
 * its replica has taken over, which takes the cluster's node timeout plus an election: 300 x 100 ms outlasts it.
 * Reads go to primaries: a replica may not yet hold what its primary has just acknowledged.
 */
export function clusterOptions(url: string, options: RedisOptions): ClusterOptions {
  const first = new URL(url.split(",")[0]?.trim() ?? url);
  const { retryStrategy, ...nodeOptions } = options;
  return {
    scaleReads: "master",
    enableOfflineQueue: true,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    retryDelayOnMoved: 50,
    maxRedirections: 300,
    clusterRetryStrategy: retryStrategy ?? undefined,
    redisOptions: {
      ...nodeOptions,
      ...(first.username === "" ? {} : { username: decodeURIComponent(first.username) }),
      ...(first.password === "" ? {} : { password: decodeURIComponent(first.password) }),
      ...(first.protocol === "rediss:" ? { tls: {} } : {}),
    },
  };
}

/** Sends QUIT so replies still in flight arrive; a connection that is not up is dropped at once. */
export async function closeRedis(redis: RedisClient): Promise<void> {
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

/** `host:port` of a Redis URL (of each seed, comma-separated), for messages: the URL itself may carry a password. */
export function redisAddress(url: string): string {
  return seedNodes(url)
    .map(({ host, port }) => `${host}:${port}`)
    .join(",");
}
