/**
 * One gate per client, shared by every call, so that all the syncer's streams draw from a single
 * budget: at most `concurrency` requests in flight, and a token bucket that refills at
 * `requestsPerSecond`. Its burst is capped at the smaller of the two, so a quiet client that wakes
 * up sends a small burst and then a steady stream, never a spike.
 *
 * A bucket alone lets its burst plus a second's refill out within one second: more than a server
 * that counts `requestsPerSecond` per 1-second window allows, so a client set to the documented
 * limit would draw 429s. The gate also never starts more than `windowLimit` requests within any
 * second (a log of the last starts): whatever the server's window alignment, it stays within it.
 *
 * When CircleCI says "slow down" (a 429, or a window with nothing remaining), `pauseFor` holds the
 * whole gate: requests already queued wait too, instead of each hammering the API on its own.
 */

export interface RateLimitGateOptions {
  /** Max requests in flight. Default 8. */
  concurrency?: number;
  /** Steady request budget. Default 20 (CircleCI's own MCP client does 40 per 2 s). */
  requestsPerSecond?: number;
  /** Clock, epoch ms; tests may pass their own. */
  now?: () => number;
}

export interface GatePauseStats {
  /** Times the gate was paused (or a pause extended) because CircleCI asked for it. */
  count: number;
  /** Total wall-clock ms the gate stayed paused. */
  ms: number;
}

/** The span `windowLimit` counts starts over: the 1-second window servers count requests in. */
export const WINDOW_MS = 1000;
/**
 * How much longer than `WINDOW_MS` a start is remembered. Servers count arrivals, not starts: a request
 * that reaches them a few ms late can share a window with one started a full second after it.
 */
const ARRIVAL_JITTER_MS = 10;

/** Call once when the request is done, whatever its outcome. */
export type Release = () => void;

export class RateLimitGate {
  readonly concurrency: number;
  readonly requestsPerSecond: number;
  /** Most requests started within any `WINDOW_MS`. */
  readonly windowLimit: number;
  private readonly capacity: number;
  /** Start times of the requests admitted within the last `WINDOW_MS`, oldest first. */
  private readonly started: number[] = [];
  private readonly now: () => number;
  private readonly waiting: (() => void)[] = [];
  private inFlight = 0;
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = 0;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private readonly pauses: GatePauseStats = { count: 0, ms: 0 };

  constructor(options: RateLimitGateOptions = {}) {
    this.concurrency = positive(options.concurrency ?? 8, "concurrency");
    this.requestsPerSecond = positive(options.requestsPerSecond ?? 20, "requestsPerSecond");
    this.capacity = Math.max(1, Math.min(this.concurrency, this.requestsPerSecond));
    this.windowLimit = Math.max(1, Math.floor(this.requestsPerSecond));
    this.now = options.now ?? Date.now;
    this.tokens = this.capacity;
    this.refilledAt = this.now();
  }

  /** Resolves when the request may go out; the caller must call the returned `Release`. */
  acquire(): Promise<Release> {
    return new Promise((resolve) => {
      this.waiting.push(() => resolve(this.releaseOnce()));
      this.admit();
    });
  }

  /** Holds every request, queued or future, for at least `ms` from now. */
  pauseFor(ms: number): void {
    const now = this.now();
    const until = now + Math.max(0, ms);
    if (until <= this.pausedUntil) return;
    this.pauses.count += 1;
    this.pauses.ms += until - Math.max(now, this.pausedUntil);
    this.pausedUntil = until;
    this.admit();
  }

  get pauseStats(): GatePauseStats {
    return { ...this.pauses };
  }

  /** Stops the wake-up timer so a closed client does not keep the process alive. */
  close(): void {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = Infinity;
  }

  private releaseOnce(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      this.admit();
    };
  }

  private refill(now: number): void {
    const earned = ((now - this.refilledAt) / 1000) * this.requestsPerSecond;
    this.tokens = Math.min(this.capacity, this.tokens + earned);
    this.refilledAt = now;
  }

  /** Lets queued requests through in FIFO order while slots, tokens and the pause allow. */
  private admit(): void {
    const now = this.now();
    this.refill(now);
    while (this.waiting.length > 0 && this.inFlight < this.concurrency) {
      const readyAt = Math.max(this.pausedUntil, now + this.msUntilToken(), this.windowOpensAt(now));
      if (readyAt > now) {
        this.wakeUpAt(readyAt);
        return;
      }
      this.tokens -= 1;
      this.inFlight += 1;
      this.started.push(now);
      this.waiting.shift()?.();
    }
  }

  /** When the last window's starts leave room for one more: now, or when the oldest of them leaves it. */
  private windowOpensAt(now: number): number {
    const span = WINDOW_MS + ARRIVAL_JITTER_MS;
    while (this.started.length > 0 && (this.started[0] as number) <= now - span) this.started.shift();
    return this.started.length < this.windowLimit ? now : (this.started[0] as number) + span;
  }

  private msUntilToken(): number {
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.requestsPerSecond) * 1000);
  }

  private wakeUpAt(at: number): void {
    if (this.wakeTimer !== undefined && this.wakeAt <= at) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAt = Infinity;
      this.admit();
    }, at - this.now());
  }
}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`RateLimitGate: ${name} must be a positive number, got ${value}.`);
  }
  return value;
}
