import { describe, expect, it } from "vitest";
import { Random } from "../../src/simulator/random.js";
import { Schedule } from "../../src/simulator/schedule.js";

describe("Schedule", () => {
  it("runs due transitions earliest first, ties in scheduling order, and keeps later ones", () => {
    const schedule = new Schedule();
    const ran: string[] = [];
    const instants: number[] = [];
    for (const [at, label] of [[30, "c"], [10, "a1"], [20, "b"], [10, "a2"], [99, "late"]] as const) {
      schedule.add(at, () => ran.push(label));
    }
    schedule.runUntil(50, (at) => instants.push(at));
    expect(ran).toEqual(["a1", "a2", "b", "c"]);
    expect(instants).toEqual([10, 10, 20, 30]);
    expect(schedule.size).toBe(1);
  });

  it("includes transitions scheduled by running ones when they fall inside the window", () => {
    const schedule = new Schedule();
    const ran: number[] = [];
    const chain = (at: number): void => {
      ran.push(at);
      schedule.add(at + 10, () => chain(at + 10));
    };
    schedule.add(0, () => chain(0));
    schedule.runUntil(35, () => undefined);
    expect(ran).toEqual([0, 10, 20, 30]);
  });

  it("orders thousands of random instants correctly", () => {
    const schedule = new Schedule();
    const rng = new Random(9);
    const ran: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const at = rng.int(0, 1000);
      schedule.add(at, () => ran.push(at));
    }
    schedule.runUntil(1000, () => undefined);
    expect(ran).toHaveLength(5000);
    expect(ran).toEqual([...ran].sort((a, b) => a - b));
  });
});

describe("Random", () => {
  it("repeats for a seed and differs across seeds", () => {
    const draws = (seed: number) => {
      const rng = new Random(seed);
      return Array.from({ length: 5 }, () => rng.next());
    };
    expect(draws(1)).toEqual(draws(1));
    expect(draws(1)).not.toEqual(draws(2));
  });

  it("draws ids and numbers in their documented shapes and ranges", () => {
    const rng = new Random(4);
    for (let i = 0; i < 200; i++) {
      expect(rng.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(rng.base58(22)).toMatch(/^[1-9A-HJ-NP-Za-km-z]{22}$/);
      const value = rng.int(3, 5);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThanOrEqual(5);
    }
    expect(new Set(rng.sample(["a", "b", "c", "d"], 3)).size).toBe(3);
    expect(rng.weighted([["only", 1]])).toBe("only");
  });
});
