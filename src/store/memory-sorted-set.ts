import { compareScored } from "./order.js";

/** A Redis sorted set in process memory: unique members with scores, read in `ZRANGE` order. */
export class MemorySortedSet {
  private readonly scores = new Map<string, number>();
  private ascendingCache: string[] | undefined;
  private descendingCache: string[] | undefined;

  /** `ZADD`: adds the member or moves it to its new score. */
  add(member: string, score: number): void {
    if (this.scores.get(member) === score) return;
    this.scores.set(member, score);
    this.ascendingCache = undefined;
    this.descendingCache = undefined;
  }

  /** `ZRANGE 0 -1`: the members by score, ties by member bytes. */
  ascending(): readonly string[] {
    this.ascendingCache ??= [...this.scores]
      .map(([member, score]) => ({ member, score }))
      .sort(compareScored)
      .map((entry) => entry.member);
    return this.ascendingCache;
  }

  /** `ZREVRANGE 0 -1`. */
  descending(): readonly string[] {
    this.descendingCache ??= [...this.ascending()].reverse();
    return this.descendingCache;
  }
}
