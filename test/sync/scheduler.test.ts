import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Logger } from "../../src/log.js";
import { SyncScheduler } from "../../src/sync/index.js";
import type { CycleReport } from "../../src/sync/index.js";

/** A lock whose leadership the test decides; `lose()` aborts the current tenure's signal. */
class FakeLock {
  leader = true;
  bids = 0;
  #tenure = new AbortController();

  async acquire(): Promise<boolean> {
    this.bids += 1;
    return this.leader;
  }

  get lost(): AbortSignal | undefined {
    return this.leader ? this.#tenure.signal : undefined;
  }

  get fencingToken(): number | undefined {
    return this.leader ? this.bids : undefined;
  }

  lose(): void {
    this.leader = false;
    this.#tenure.abort();
    this.#tenure = new AbortController();
  }
}

/** An engine that records overlap and signals; each cycle lasts until `release` or its abort. */
class FakeEngine {
  cycles = 0;
  running = 0;
  maxRunning = 0;
  signals: (AbortSignal | undefined)[] = [];
  failNext = false;
  #waiting: (() => void)[] = [];

  async runCycle(signal?: AbortSignal): Promise<CycleReport> {
    this.cycles += 1;
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.signals.push(signal);
    try {
      if (this.failNext) {
        this.failNext = false;
        throw new Error("store unreachable");
      }
      await new Promise<void>((resolve) => {
        this.#waiting.push(resolve);
        signal?.addEventListener("abort", () => resolve(), { once: true });
      });
      return { ok: !signal?.aborted, aborted: signal?.aborted === true, startedAt: "", completedAt: "", streams: [], calls: 0, removed: 0 };
    } finally {
      this.running -= 1;
    }
  }

  release(): void {
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}

function recordingLogger(errors: unknown[]): Logger {
  const logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (...args: unknown[]) => void errors.push(args),
    child: () => logger,
  };
  return logger as unknown as Logger;
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 1) {
    if (waited > 2000) throw new Error("condition not reached");
    await sleep(1);
  }
}

describe("SyncScheduler", () => {
  it("runs cycles one after another, never two at once, and stops cleanly", async () => {
    const engine = new FakeEngine();
    const scheduler = new SyncScheduler({ engine, lock: new FakeLock(), intervalMs: 1 });
    scheduler.start();
    for (let cycle = 1; cycle <= 4; cycle++) {
      await until(() => engine.running === 1 && engine.cycles === cycle);
      engine.release();
    }
    await until(() => engine.running === 1);
    await scheduler.stop();
    expect(engine.running).toBe(0);
    expect(engine.maxRunning).toBe(1);
    expect(engine.signals.at(-1)?.aborted).toBe(true);
    const cycles = engine.cycles;
    await sleep(20);
    expect(engine.cycles).toBe(cycles);
  });

  it("syncs only while leader, and aborts the cycle when leadership is lost", async () => {
    const engine = new FakeEngine();
    const lock = new FakeLock();
    lock.leader = false;
    const scheduler = new SyncScheduler({ engine, lock, intervalMs: 1 });
    scheduler.start();
    await until(() => lock.bids >= 3);
    expect(engine.cycles).toBe(0);

    lock.leader = true;
    await until(() => engine.running === 1);
    const signal = engine.signals[0];
    expect(signal?.aborted).toBe(false);
    lock.lose();
    expect(signal?.aborted).toBe(true);
    await until(() => engine.running === 0);
    const bids = lock.bids;
    await until(() => lock.bids > bids + 2);
    expect(engine.cycles).toBe(1);
    await scheduler.stop();
  });

  it("logs a failed cycle and keeps going", async () => {
    const engine = new FakeEngine();
    engine.failNext = true;
    const errors: unknown[] = [];
    const scheduler = new SyncScheduler({ engine, lock: new FakeLock(), intervalMs: 1, logger: recordingLogger(errors) });
    scheduler.start();
    await until(() => engine.cycles === 2 && engine.running === 1);
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toContain("sync cycle failed");
    await scheduler.stop();
  });

  it("refuses settings that would spin or never run", () => {
    const options = { engine: new FakeEngine(), lock: new FakeLock() };
    expect(() => new SyncScheduler({ ...options, intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => new SyncScheduler({ ...options, intervalMs: 10, jitterRatio: 1 })).toThrow(/jitterRatio/);
  });
});
