import { compareScored, type ScoredMember } from "./order.js";

/** A Redis sorted set in process memory: unique members with scores, read in `ZRANGE` order. */
export class MemorySortedSet {
  private readonly scores = new Map<string, number>();
  private orderedCache: ScoredMember[] | undefined;
  private ascendingCache: string[] | undefined;
  private descendingCache: string[] | undefined;

  get size(): number {
    return this.scores.size;
  }

  /** `ZADD CH`: adds the member or moves it to its new score; true when either happened. */
  add(member: string, score: number): boolean {
    if (this.scores.get(member) === score) return false;
    this.scores.set(member, score);
    this.changed();
    return true;
  }

  /** `ZREM`: true when the member was there. */
  remove(member: string): boolean {
    if (!this.scores.delete(member)) return false;
    this.changed();
    return true;
  }

  /** `ZSCORE`. */
  score(member: string): number | undefined {
    return this.scores.get(member);
  }

  /** `ZRANGE 0 -1`: the members by score, ties by member bytes. */
  ascending(): readonly string[] {
    this.ascendingCache ??= this.ordered().map((entry) => entry.member);
    return this.ascendingCache;
  }

  /** `ZREVRANGE 0 -1`. */
  descending(): readonly string[] {
    this.descendingCache ??= [...this.ascending()].reverse();
    return this.descendingCache;
  }

  /** `ZRANGEBYSCORE -inf (below LIMIT offset count`: found by bisection, so the work follows what is read. */
  below(below: number, offset: number, count: number): string[] {
    const ordered = this.ordered();
    let [low, high] = [0, ordered.length];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((ordered[middle] as ScoredMember).score < below) low = middle + 1;
      else high = middle;
    }
    return ordered.slice(offset, Math.max(offset, Math.min(low, offset + count))).map((entry) => entry.member);
  }

  private ordered(): ScoredMember[] {
    this.orderedCache ??= [...this.scores].map(([member, score]) => ({ member, score })).sort(compareScored);
    return this.orderedCache;
  }

  private changed(): void {
    this.orderedCache = undefined;
    this.ascendingCache = undefined;
    this.descendingCache = undefined;
  }
}
