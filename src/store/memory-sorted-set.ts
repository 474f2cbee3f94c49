import { compareScored } from "./order.js";

/** A Redis sorted set in process memory: unique members with scores, read in `ZRANGE` order. */
export class MemorySortedSet {
  private readonly scores = new Map<string, number>();
  private ascendingCache: string[] | undefined;
  private descendingCache: string[] | undefined;

  /** `ZADD CH`: adds the member or moves it to its new score; true when either happened. */
  add(member: string, score: number): boolean {
    if (this.scores.get(member) === score) return false;
    this.scores.set(member, score);
    this.ascendingCache = undefined;
    this.descendingCache = undefined;
    return true;
  }

  /** `ZSCORE`. */
  score(member: string): number | undefined {
    return this.scores.get(member);
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
