/**
 * Runs a sync cycle every interval while this instance holds the leader lock. Cycles never overlap
 * (the next is scheduled only when one ends), a cycle's abort signal fires when leadership is lost
 * or the scheduler stops, and a failed cycle is logged and retried at the next tick. Failures in a row
 * (Redis down: every bid for the lock fails) are one repeated error, not a line per tick.
 */
import { silentLogger } from "../log.js";
import type { Logger } from "../log.js";
import { RepeatedWarning } from "../log-throttle.js";
import type { LeaderLock } from "../store/leader-lock.js";
import type { SyncEngine } from "./engine.js";
import { cycleLogFields } from "./report.js";
import type { CycleReport } from "./report.js";

export interface SyncSchedulerOptions {
  engine: Pick<SyncEngine, "runCycle">;
  /** Only `acquire`, `lost` and the epoch (the cycle's writes carry it) are used; releasing and closing the lock stay with its owner. */
  lock: Pick<LeaderLock, "acquire" | "lost" | "fencingToken">;
  /** Pause between the end of one cycle (or a failed bid for the lock) and the next attempt. */
  intervalMs: number;
  /** Each pause is `intervalMs` times a factor in [1 - jitterRatio, 1 + jitterRatio], so instances drift apart. Default 0.1. */
  jitterRatio?: number;
  logger?: Logger;
  /** Uniform in [0, 1), for the jitter. Default `Math.random`. */
  random?: () => number;
  /** Called after every cycle this instance ran, e.g. to print it. */
  onCycle?: (report: CycleReport) => void;
}

export class SyncScheduler {
  readonly #engine: Pick<SyncEngine, "runCycle">;
  readonly #lock: Pick<LeaderLock, "acquire" | "lost" | "fencingToken">;
  readonly #intervalMs: number;
  readonly #jitterRatio: number;
  readonly #logger: Logger;
  readonly #random: () => number;
  readonly #onCycle: ((report: CycleReport) => void) | undefined;
  readonly #stopping = new AbortController();
  readonly #failures: RepeatedWarning;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #started = false;

  constructor(options: SyncSchedulerOptions) {
    this.#engine = options.engine;
    this.#lock = options.lock;
    this.#intervalMs = options.intervalMs;
    this.#jitterRatio = options.jitterRatio ?? 0.1;
    this.#logger = (options.logger ?? silentLogger).child({ component: "sync-scheduler" });
    this.#random = options.random ?? Math.random;
    this.#onCycle = options.onCycle;
    this.#failures = new RepeatedWarning(this.#logger, { level: "error", message: "sync cycle failed; the next one runs on schedule" });
    if (!(Number.isFinite(this.#intervalMs) && this.#intervalMs > 0)) {
      throw new RangeError(`intervalMs must be > 0, got ${this.#intervalMs}`);
    }
    if (!(this.#jitterRatio >= 0 && this.#jitterRatio < 1)) {
      throw new RangeError(`jitterRatio must be within [0, 1), got ${this.#jitterRatio}`);
    }
  }

  /** The first attempt runs at once; a scheduler starts once and cannot restart after `stop`. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule(0);
  }

  /** No cycle starts after this; a running one is aborted and resolves this once it reached a safe point. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    clearTimeout(this.#timer);
    await this.#tick;
  }

  #schedule(delayMs: number): void {
    if (this.#stopping.signal.aborted) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#attempt().finally(() => {
        this.#tick = undefined;
        this.#schedule(this.#jittered());
      });
    }, delayMs);
    // A pending sync must never keep the process alive on its own.
    this.#timer.unref();
  }

  async #attempt(): Promise<void> {
    try {
      if (!(await this.#lock.acquire())) return;
      const lost = this.#lock.lost;
      if (this.#stopping.signal.aborted || lost?.aborted) return;
      const signal = lost === undefined ? this.#stopping.signal : AbortSignal.any([lost, this.#stopping.signal]);
      const report = await this.#engine.runCycle(signal, this.#lock.fencingToken);
      this.#logger.info({ ...cycleLogFields(report), leaderEpoch: this.#lock.fencingToken }, "sync cycle finished");
      this.#onCycle?.(report);
      this.#failures.resolve("sync cycles run again");
    } catch (error) {
      this.#failures.occurred({ err: error });
    }
  }

  #jittered(): number {
    return this.#intervalMs * (1 + this.#jitterRatio * (2 * this.#random() - 1));
  }
}
