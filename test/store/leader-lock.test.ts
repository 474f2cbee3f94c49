import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { LeaderLockClosedError, LeadershipLostError, LocalLeaderLock, RedisLeaderLock } from "../../src/store/leader-lock.js";
import type { LeaderLock } from "../../src/store/leader-lock.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";

const TTL_MS = 400;
/** Long enough for a lease to run out and be noticed on a busy machine; not a timing assertion. */
const TAKEOVER = { timeout: TTL_MS * 10, interval: 20 };

let redis: TestRedis;
let admin: Redis;
const cleanups: (() => Promise<void>)[] = [];
let prefixes = 0;

beforeAll(async () => {
  redis = await startTestRedis();
  admin = new Redis(redis.url);
  admin.on("error", () => undefined);
});

afterAll(async () => {
  admin.disconnect();
  await redis.stop();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh prefix per test: a deployment of its own on the shared test Redis. */
function freshPrefix(): string {
  prefixes += 1;
  return `t${prefixes}:`;
}

/** Several "processes" competing for the lock of one deployment. */
function contenders(count: number, prefix = freshPrefix()): RedisLeaderLock[] {
  return Array.from({ length: count }, (_, index) => {
    const lock = RedisLeaderLock.connect(redis.url, { prefix, ttlMs: TTL_MS, instanceId: `instance-${index}` });
    cleanups.push(() => lock.close());
    return lock;
  });
}

/** A lock on a connection the test can cut, to play a holder that dies without releasing. */
function lockOnOwnConnection(prefix: string): { lock: RedisLeaderLock; connection: Redis } {
  const connection = new Redis(redis.url);
  connection.on("error", () => undefined);
  const lock = new RedisLeaderLock(connection, { prefix, ttlMs: TTL_MS, instanceId: "mortal" });
  cleanups.push(async () => {
    await lock.close().catch(() => undefined);
    connection.disconnect();
  });
  return { lock, connection };
}

function abortReason(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener("abort", () => resolve(signal.reason), { once: true });
  });
}

async function acquired(lock: LeaderLock): Promise<AbortSignal> {
  expect(await lock.acquire()).toBe(true);
  expect(lock.lost).toBeDefined();
  return lock.lost!;
}

describe("RedisLeaderLock", () => {
  it("grants the lock to one contender only", async () => {
    const [a, b] = contenders(2);

    const results = await Promise.all([a!.acquire(), b!.acquire()]);

    expect(results.filter(Boolean)).toHaveLength(1);
    const [leader, follower] = results[0] ? [a!, b!] : [b!, a!];
    expect(leader.isLeader).toBe(true);
    expect(leader.fencingToken).toEqual(expect.any(Number));
    expect(leader.lost?.aborted).toBe(false);
    expect(follower.isLeader).toBe(false);
    expect(follower.fencingToken).toBeUndefined();
    expect(follower.lost).toBeUndefined();
    expect(await follower.acquire()).toBe(false);
    expect(await admin.get(leader.key)).toMatch(/^instance-\d:/);
  });

  it("shares one attempt between concurrent acquire calls of one lock", async () => {
    const [a] = contenders(1);

    const results = await Promise.all([a!.acquire(), a!.acquire(), a!.acquire()]);

    expect(results).toEqual([true, true, true]);
    expect(Number(await admin.get(a!.epochKey))).toBe(a!.fencingToken);
  });

  it("keeps the lock over several TTLs by renewing it", async () => {
    const [a, b] = contenders(2);
    const lost = await acquired(a!);
    const token = a!.fencingToken;

    await sleep(TTL_MS * 3);

    expect(await b!.acquire()).toBe(false);
    expect(a!.isLeader).toBe(true);
    expect(a!.fencingToken).toBe(token);
    expect(lost.aborted).toBe(false);
    expect(await admin.pttl(a!.key)).toBeGreaterThan(0);
  });

  it("hands over at once on release, without aborting the releaser's signal", async () => {
    const [a, b] = contenders(2);
    const lost = await acquired(a!);

    await a!.release();

    expect(a!.isLeader).toBe(false);
    expect(a!.lost).toBeUndefined();
    expect(lost.aborted).toBe(false);
    expect(await b!.acquire()).toBe(true);
  });

  it("releases on close, and refuses to acquire afterwards", async () => {
    const [a, b] = contenders(2);
    await acquired(a!);

    await a!.close();

    expect(await b!.acquire()).toBe(true);
    await expect(a!.acquire()).rejects.toBeInstanceOf(LeaderLockClosedError);
  });

  it("gives every new tenure a greater fencing token, whoever takes it", async () => {
    const [a, b] = contenders(2);
    const tokens: number[] = [];
    for (const lock of [a!, b!, a!, a!]) {
      await acquired(lock);
      tokens.push(lock.fencingToken!);
      await lock.release();
    }

    expect(tokens).toEqual([...tokens].sort((x, y) => x - y));
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it("replaces a holder that died without releasing once its lease runs out, and the dead one's signal fires", async () => {
    const prefix = freshPrefix();
    const [survivor] = contenders(1, prefix);
    const { lock: mortal, connection } = lockOnOwnConnection(prefix);
    const lost = await acquired(mortal);
    const deadToken = mortal.fencingToken!;
    expect(await survivor!.acquire()).toBe(false);

    connection.disconnect();

    await vi.waitFor(async () => expect(await survivor!.acquire()).toBe(true), TAKEOVER);
    expect(await abortReason(lost)).toBeInstanceOf(LeadershipLostError);
    expect(mortal.isLeader).toBe(false);
    expect(survivor!.fencingToken).toBeGreaterThan(deadToken);
  });

  it("notices at its next renewal that another instance took the lock", async () => {
    const [a, b] = contenders(2);
    const lost = await acquired(a!);
    await admin.del(a!.key);
    expect(await b!.acquire()).toBe(true);

    const reason = await abortReason(lost);

    expect(reason).toBeInstanceOf(LeadershipLostError);
    expect((reason as Error).message).toContain("another instance holds it");
    expect(a!.isLeader).toBe(false);
    expect(b!.isLeader).toBe(true);
  });

  it("never deletes a lock another instance holds", async () => {
    const [a, b, c] = contenders(3);
    await acquired(a!);
    await admin.del(a!.key);
    await acquired(b!);
    const holder = await admin.get(b!.key);

    await a!.release();
    await c!.release();

    expect(await admin.get(b!.key)).toBe(holder);
    expect(await c!.acquire()).toBe(false);
    expect(b!.isLeader).toBe(true);
  });

  it("fires lost when Redis restarts under the leader, and can lead again once Redis is back", async () => {
    const [a] = contenders(1);
    const lost = await acquired(a!);
    const tokenBefore = a!.fencingToken!;

    await redis.stop();
    expect(await abortReason(lost)).toBeInstanceOf(LeadershipLostError);
    expect(a!.isLeader).toBe(false);
    await redis.start();

    await vi.waitFor(async () => expect(await a!.acquire()).toBe(true), { timeout: 10_000, interval: 100 });
    expect(a!.fencingToken).toBeGreaterThan(tokenBefore);
    expect(a!.lost?.aborted).toBe(false);
  });

  it("rejects a TTL too short to renew", () => {
    expect(() => new RedisLeaderLock(admin, { ttlMs: 0 })).toThrow(RangeError);
    expect(() => RedisLeaderLock.connect(redis.url, { ttlMs: 2.5 })).toThrow(RangeError);
  });
});

describe("LocalLeaderLock", () => {
  it("is always granted and never lost, with a new token per tenure", async () => {
    const lock = new LocalLeaderLock();
    expect(lock.isLeader).toBe(false);

    const lost = await acquired(lock);
    const first = lock.fencingToken;
    expect(await lock.acquire()).toBe(true);
    expect(lock.fencingToken).toBe(first);
    await lock.release();
    expect(lock.isLeader).toBe(false);
    expect(lock.lost).toBeUndefined();
    await acquired(lock);

    expect(lock.fencingToken).toBeGreaterThan(first!);
    expect(lost.aborted).toBe(false);
    await lock.close();
    await expect(lock.acquire()).rejects.toBeInstanceOf(LeaderLockClosedError);
  });
});
