import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { silentLogger } from "../log.js";
import type { Logger } from "../log.js";
import { DEFAULT_PREFIX, keyLayout } from "./keys.js";
import type { KeyLayout } from "./keys.js";
import { closeRedis, openRedis, reconnectingOptions, type RedisClient } from "./redis-connection.js";
import { messageOf } from "../error-message.js";

/**
 * Who syncs: every instance serves, only the holder of this lock writes what it polls from CircleCI.
 * A tenure runs from a successful `acquire` until `release`, `close` or an involuntary loss.
 */
export interface LeaderLock {
  /** Try to become (or stay) leader; true while held. */
  acquire(): Promise<boolean>;
  /**
   * The current tenure's signal, undefined while not leader. It aborts, with a `LeadershipLostError`,
   * when leadership is lost against the holder's will (renewal failed or another holder took it); a
   * `release` or `close` ends the tenure without aborting it. Capture it when `acquire` succeeds.
   */
  readonly lost: AbortSignal | undefined;
  readonly isLeader: boolean;
  /** The current tenure's number: greater than that of every earlier tenure of any instance. */
  readonly fencingToken: number | undefined;
  /** Gives the lock up, only if it is still ours. */
  release(): Promise<void>;
  /** Releases, then drops what the lock owns; `acquire` rejects afterwards. */
  close(): Promise<void>;
}

export class LeadershipLostError extends Error {
  override name = "LeadershipLostError";
}

export class LeaderLockClosedError extends Error {
  override name = "LeaderLockClosedError";

  constructor() {
    super("the leader lock is closed");
  }
}

export interface RedisLeaderLockOptions {
  /** The deployment's key prefix (`REDIS_PREFIX`). Default `ccgw:`. */
  prefix?: string;
  /** `REDIS_CLUSTER`: the URL names a Redis Cluster's seeds (for `connect`). Default false. */
  cluster?: boolean;
  /** How long the lock outlives its holder's last renewal; renewed every `ttlMs / 3`. Default 15 000. */
  ttlMs?: number;
  /** Names this process in the lock's value, for operators reading Redis. Default: a random UUID. */
  instanceId?: string;
  logger?: Logger;
}

const DEFAULT_TTL_MS = 15_000;

/**
 * Free (or still carrying our own value, after we gave up on it locally): take it and start a new
 * tenure. The epoch counter starts from Redis's clock in milliseconds, so tokens keep increasing even
 * after Redis lost its data (a restart without persistence). Returns the tenure's token, or 0.
 */
const ACQUIRE_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 0 then
  local now = redis.call('TIME')
  redis.call('SET', KEYS[2], now[1] * 1000 + math.floor(now[2] / 1000))
end
return redis.call('INCR', KEYS[2])`;

const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Raises a slot's fence to the new epoch, never lowers it (a newer leader may have claimed it meanwhile). */
const CLAIM_FENCE_SCRIPT = `
local seen = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > seen then redis.call('SET', KEYS[1], ARGV[1]) end
return 1`;

interface Tenure {
  readonly token: number;
  readonly controller: AbortController;
  renewTimer?: NodeJS.Timeout;
  expiryTimer?: NodeJS.Timeout;
}

/**
 * A lease in Redis: key `<prefix>{g}:leader` (in the slot of what spans projects), valued with this
 * holder's random token and a TTL, renewed every `ttlMs / 3` while held. Leadership counts as lost as soon
 * as a renewal finds the key gone or taken, or once `ttlMs` have passed since the last renewal that
 * succeeded was sent (Redis may have expired the key by then), even if Redis does not answer at all. Every
 * acquisition increments `<prefix>{g}:leader:epoch`, which becomes the `fencingToken`; the store's write
 * script refuses the writes of an older epoch, so a leader that lost its lease writes nothing more even
 * while it has not noticed. Timers are unref'd: a lock never keeps the process alive.
 */
export class RedisLeaderLock implements LeaderLock {
  /**
   * A lock on a connection of its own, closed with the lock. Calls fail fast while Redis is down and time
   * out after `ttlMs`, so neither `acquire` nor a renewal waits on Redis for longer than the lease lasts.
   */
  static connect(url: string, options: RedisLeaderLockOptions = {}): RedisLeaderLock {
    const logger = options.logger ?? silentLogger;
    const redis = openRedis({ url, cluster: options.cluster }, logger, reconnectingOptions({ commandTimeoutMs: leaseMs(options) }));
    const lock = new RedisLeaderLock(redis, options);
    lock.#ownsConnection = true;
    return lock;
  }

  readonly key: string;
  readonly epochKey: string;
  readonly ttlMs: number;
  readonly #holder: string;
  readonly #keys: KeyLayout;
  readonly #redis: RedisClient;
  readonly #logger: Logger;
  #ownsConnection = false;
  #tenure: Tenure | undefined;
  #acquiring: Promise<boolean> | undefined;
  #closed = false;

  /** A lock on the caller's connection, which the caller keeps and closes. */
  constructor(redis: RedisClient, options: RedisLeaderLockOptions = {}) {
    const keys = keyLayout(options.prefix ?? DEFAULT_PREFIX, { cluster: options.cluster === true });
    this.#keys = keys;
    this.key = keys.leader;
    this.epochKey = keys.leaderEpoch;
    this.ttlMs = leaseMs(options);
    this.#holder = `${options.instanceId ?? randomUUID()}:${randomUUID()}`;
    this.#redis = redis;
    this.#logger = (options.logger ?? silentLogger).child({ component: "leader-lock", key: this.key });
  }

  get isLeader(): boolean {
    return this.#tenure !== undefined;
  }

  get lost(): AbortSignal | undefined {
    return this.#tenure?.controller.signal;
  }

  get fencingToken(): number | undefined {
    return this.#tenure?.token;
  }

  /** Rejects with Redis's error when it cannot be asked; concurrent calls share one attempt. */
  acquire(): Promise<boolean> {
    if (this.#closed) return Promise.reject(new LeaderLockClosedError());
    if (this.#tenure !== undefined) return Promise.resolve(true);
    this.#acquiring ??= this.#tryAcquire().finally(() => {
      this.#acquiring = undefined;
    });
    return this.#acquiring;
  }

  async release(): Promise<void> {
    await this.#acquiring?.catch(() => false);
    if (this.#tenure !== undefined) this.#end(this.#tenure);
    // Even without a local tenure: one given up locally may still be ours in Redis.
    await this.#redis.eval(RELEASE_SCRIPT, 1, this.key, this.#holder);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.release();
    } catch (error) {
      this.#logger.warn({ err: messageOf(error) }, "could not release the leader lock; it expires by itself");
    }
    if (this.#ownsConnection) await closeRedis(this.#redis);
  }

  async #tryAcquire(): Promise<boolean> {
    const sentAt = performance.now();
    const token = Number(await this.#redis.eval(ACQUIRE_SCRIPT, 2, this.key, this.epochKey, this.#holder, this.ttlMs));
    if (token === 0) return false;
    await this.#claimProjectFences(token);
    const tenure: Tenure = { token, controller: new AbortController() };
    this.#tenure = tenure;
    this.#extend(tenure, sentAt);
    this.#scheduleRenewal(tenure);
    this.#logger.info({ fencingToken: token }, "became leader");
    return true;
  }

  /**
   * On a cluster each project slot has a fence of its own, which a leader's first write to the slot would raise. Raised
   * here for every slot written so far, before the new leader starts, a deposed leader that has not noticed yet is
   * refused in every slot at once, not only in those the new one has written. A slot that cannot be reached now is
   * claimed by the new leader's first write to it, as before.
   */
  async #claimProjectFences(token: number): Promise<void> {
    if (!this.#keys.perSlot) return;
    const slots = await this.#redis.hkeys(this.#keys.slots);
    const claims = await Promise.allSettled(slots.map((slot) => this.#redis.eval(CLAIM_FENCE_SCRIPT, 1, this.#keys.fence(slot), token)));
    const failed = claims.filter((claim) => claim.status === "rejected").length;
    if (failed > 0) this.#logger.warn({ failed, slots: slots.length }, "could not raise the fence of some project slots; the first write to each raises it");
  }

  #scheduleRenewal(tenure: Tenure): void {
    tenure.renewTimer = setTimeout(() => void this.#renew(tenure), this.ttlMs / 3).unref();
  }

  async #renew(tenure: Tenure): Promise<void> {
    const sentAt = performance.now();
    let renewed: boolean;
    try {
      renewed = (await this.#redis.eval(RENEW_SCRIPT, 1, this.key, this.#holder, this.ttlMs)) === 1;
    } catch (error) {
      if (this.#tenure !== tenure) return;
      // Transient until the lease runs out: the expiry timer decides.
      this.#logger.warn({ err: messageOf(error) }, "leader lock renewal failed");
      this.#scheduleRenewal(tenure);
      return;
    }
    if (this.#tenure !== tenure) return;
    if (!renewed) {
      this.#lose(tenure, "the lock expired or another instance holds it");
      return;
    }
    this.#extend(tenure, sentAt);
    this.#scheduleRenewal(tenure);
  }

  /** The key lives `ttlMs` from when Redis ran the command, at the earliest from when it was sent. */
  #extend(tenure: Tenure, sentAt: number): void {
    clearTimeout(tenure.expiryTimer);
    const remainingMs = sentAt + this.ttlMs - performance.now();
    tenure.expiryTimer = setTimeout(
      () => this.#lose(tenure, `not renewed within ${this.ttlMs} ms`),
      Math.max(0, remainingMs),
    ).unref();
  }

  #lose(tenure: Tenure, reason: string): void {
    this.#end(tenure);
    this.#logger.warn({ fencingToken: tenure.token, reason }, "lost leadership");
    tenure.controller.abort(new LeadershipLostError(`leadership lost (fencing token ${tenure.token}): ${reason}`));
  }

  #end(tenure: Tenure): void {
    clearTimeout(tenure.renewTimer);
    clearTimeout(tenure.expiryTimer);
    if (this.#tenure === tenure) this.#tenure = undefined;
  }
}

/** The embedded mode's lock: one process, so it is always granted and never lost. */
export class LocalLeaderLock implements LeaderLock {
  readonly #never = new AbortController().signal;
  #tenures = 0;
  #held = false;
  #closed = false;

  get isLeader(): boolean {
    return this.#held;
  }

  get lost(): AbortSignal | undefined {
    return this.#held ? this.#never : undefined;
  }

  get fencingToken(): number | undefined {
    return this.#held ? this.#tenures : undefined;
  }

  async acquire(): Promise<boolean> {
    if (this.#closed) throw new LeaderLockClosedError();
    if (!this.#held) {
      this.#held = true;
      this.#tenures += 1;
    }
    return true;
  }

  async release(): Promise<void> {
    this.#held = false;
  }

  async close(): Promise<void> {
    this.#held = false;
    this.#closed = true;
  }
}

function leaseMs(options: RedisLeaderLockOptions): number {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  if (!Number.isInteger(ttlMs) || ttlMs < 3) throw new RangeError(`ttlMs must be an integer >= 3, got ${ttlMs}`);
  return ttlMs;
}
