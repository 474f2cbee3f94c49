import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../src/circleci/breaker.js";
import type { BreakerOptions } from "../../src/circleci/breaker.js";

/** A breaker on a clock the test moves by hand. */
function breakerAt(options: Omit<BreakerOptions, "now"> = {}) {
  const clock = { now: 1_000_000 };
  const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000, maxCooldownMs: 3000, ...options, now: () => clock.now });
  return { breaker, clock };
}

function failTimes(breaker: CircuitBreaker, times: number, reason = "GET /me: 503 Service Unavailable"): void {
  for (let i = 0; i < times; i++) breaker.failed(reason, false);
}

/** Opens the breaker, lets the cooldown pass and admits the probe. */
function probing(options: Omit<BreakerOptions, "now"> = {}) {
  const rig = breakerAt(options);
  failTimes(rig.breaker, rig.breaker.failureThreshold);
  rig.clock.now += rig.breaker.cooldownMs;
  expect(rig.breaker.admit()).toEqual({ allowed: true, probe: true });
  return rig;
}

describe("closed", () => {
  it("lets calls through and stays closed below the threshold", () => {
    const { breaker } = breakerAt();
    failTimes(breaker, 2);
    expect(breaker.admit()).toEqual({ allowed: true, probe: false });
    expect(breaker.stats).toEqual({ state: "closed", opens: 0, consecutiveFailures: 2 });
    expect(breaker.refusal).toBeUndefined();
  });

  it("counts failures in a row only: an answer in between starts the count over", () => {
    const { breaker } = breakerAt();
    failTimes(breaker, 2);
    breaker.answered();
    failTimes(breaker, 2);
    expect(breaker.stats).toEqual({ state: "closed", opens: 0, consecutiveFailures: 2 });
  });

  it("opens at the threshold and refuses calls, saying why and for how long", () => {
    const { breaker, clock } = breakerAt();
    failTimes(breaker, 2);
    breaker.failed("GET /workflow/{id}: no answer (ECONNRESET)", false);
    expect(breaker.stats).toEqual({ state: "open", opens: 1, consecutiveFailures: 3 });
    clock.now += 400;
    expect(breaker.admit()).toEqual({
      allowed: false,
      refusal: { failures: 3, lastFailure: "GET /workflow/{id}: no answer (ECONNRESET)", phase: "paused", retryInMs: 600 },
    });
  });
});

describe("open", () => {
  it("ignores late failures of requests sent before it opened: the cooldown does not move", () => {
    const { breaker, clock } = breakerAt();
    failTimes(breaker, 3);
    failTimes(breaker, 4, "late");
    expect(breaker.stats).toEqual({ state: "open", opens: 1, consecutiveFailures: 3 });
    clock.now += 999;
    expect(breaker.admit().allowed).toBe(false);
    clock.now += 1;
    expect(breaker.admit()).toEqual({ allowed: true, probe: true });
  });

  it("closes on a late answer: CircleCI is up after all", () => {
    const { breaker } = breakerAt();
    failTimes(breaker, 3);
    breaker.answered();
    expect(breaker.stats).toEqual({ state: "closed", opens: 1, consecutiveFailures: 0 });
    expect(breaker.admit()).toEqual({ allowed: true, probe: false });
  });
});

describe("half-open", () => {
  it("admits exactly one probe; every other call is refused while it is in flight", () => {
    const { breaker } = probing();
    expect(breaker.stats.state).toBe("half-open");
    for (let i = 0; i < 3; i++) {
      expect(breaker.admit()).toEqual({
        allowed: false,
        refusal: { failures: 3, lastFailure: "GET /me: 503 Service Unavailable", phase: "probing", retryInMs: 0 },
      });
    }
  });

  it("closes when the probe gets an answer, and the next outage starts from the first cooldown again", () => {
    const { breaker, clock } = probing();
    breaker.failed("probe", true);
    clock.now += 2000;
    expect(breaker.admit()).toEqual({ allowed: true, probe: true });
    breaker.answered();
    expect(breaker.stats).toEqual({ state: "closed", opens: 2, consecutiveFailures: 0 });
    expect(breaker.admit()).toEqual({ allowed: true, probe: false });

    failTimes(breaker, 3);
    clock.now += 999;
    expect(breaker.admit().allowed).toBe(false);
    clock.now += 1;
    expect(breaker.admit()).toEqual({ allowed: true, probe: true });
  });

  it("re-opens when the probe fails, for twice the cooldown each time, up to the cap", () => {
    const { breaker, clock } = probing();
    const cooldowns: number[] = [];
    for (let round = 0; round < 3; round++) {
      breaker.failed(`probe ${round}`, true);
      const refusal = breaker.refusal;
      cooldowns.push(refusal?.retryInMs ?? -1);
      expect(refusal).toMatchObject({ phase: "paused", lastFailure: `probe ${round}`, failures: 4 + round });
      clock.now += refusal?.retryInMs ?? 0;
      expect(breaker.admit()).toEqual({ allowed: true, probe: true });
    }
    expect(cooldowns).toEqual([2000, 3000, 3000]);
    expect(breaker.stats.opens).toBe(4);
  });

  it("ignores a late failure of a request that is not the probe", () => {
    const { breaker } = probing();
    breaker.failed("late", false);
    expect(breaker.stats).toEqual({ state: "half-open", opens: 1, consecutiveFailures: 3 });
    expect(breaker.refusal?.lastFailure).toBe("GET /me: 503 Service Unavailable");
  });
});

describe("options", () => {
  it("default to 5 failures, a 10 s cooldown and a 2 min cap", () => {
    const breaker = new CircuitBreaker();
    expect([breaker.failureThreshold, breaker.cooldownMs, breaker.maxCooldownMs]).toEqual([5, 10_000, 120_000]);
  });

  it("raise the default cap to a longer cooldown instead of refusing it", () => {
    expect(new CircuitBreaker({ cooldownMs: 300_000 }).maxCooldownMs).toBe(300_000);
  });

  it("refuse values that cannot work, naming the option", () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(/failureThreshold must be a number >= 1, got 0/);
    expect(() => new CircuitBreaker({ failureThreshold: 2.5 })).toThrow(/failureThreshold must be an integer/);
    expect(() => new CircuitBreaker({ cooldownMs: Number.NaN })).toThrow(/cooldownMs/);
    expect(() => new CircuitBreaker({ cooldownMs: 5000, maxCooldownMs: 1000 })).toThrow(/maxCooldownMs must be a number >= 5000/);
  });
});
