import { MemorySortedSet } from "./memory-sorted-set.js";
import { conditionOf, type WriteOp } from "./write-plan.js";
import type { Tag } from "./tags.js";

/** What one operation did: `created` is a string key or a hash field that did not exist. */
type Effect = "unchanged" | "changed" | "created";

function effectOf(changed: boolean): Effect {
  return changed ? "changed" : "unchanged";
}

export type KeyspaceWriteResult =
  | { outcome: "ok"; sequence: number; changed: Tag[] }
  | { outcome: "conflict"; failed: number[] }
  | { outcome: "fenced"; newerEpoch: number };

/**
 * The embedded store's data, held as Redis holds it (strings, hashes, sorted sets, lists under the same keys), and
 * written by the same operations with the same semantics as `write-script.ts`, so both stores detect the same
 * changes. Synchronous: a write is applied whole before anything else runs.
 */
export class MemoryKeyspace {
  readonly #strings = new Map<string, string>();
  /** When strings written with a time to live are gone, epoch ms. */
  readonly #expiries = new Map<string, number>();
  readonly #hashes = new Map<string, Map<string, string>>();
  readonly #sortedSets = new Map<string, MemorySortedSet>();
  readonly #lists = new Map<string, string[]>();

  get(key: string): string | undefined {
    this.#expire(key);
    return this.#strings.get(key);
  }

  hget(key: string, field: string): string | undefined {
    return this.#hashes.get(key)?.get(field);
  }

  hgetall(key: string): ReadonlyMap<string, string> {
    return this.#hashes.get(key) ?? new Map();
  }

  /** `ZRANGE 0 -1`. */
  zrange(key: string): readonly string[] {
    return this.#sortedSets.get(key)?.ascending() ?? [];
  }

  /** `ZREVRANGE 0 -1`. */
  zrevrange(key: string): readonly string[] {
    return this.#sortedSets.get(key)?.descending() ?? [];
  }

  /** `ZSCORE`. */
  zscore(key: string, member: string): number | undefined {
    return this.#sortedSets.get(key)?.score(member);
  }

  lrange(key: string): readonly string[] {
    return this.#lists.get(key) ?? [];
  }

  /** `ZRANGEBYSCORE key -inf (below LIMIT offset count`. */
  zrangeBelow(key: string, below: number, offset: number, count: number): readonly string[] {
    return this.#sortedSets.get(key)?.below(below, offset, count) ?? [];
  }

  /** The write script, over this keyspace: fence, conditions, operations, sequence. */
  write(ops: readonly WriteOp[], coordination: { fence: string; sequence: string; epoch?: number }): KeyspaceWriteResult {
    const { epoch } = coordination;
    if (epoch !== undefined) {
      const seen = Number(this.get(coordination.fence) ?? 0);
      if (epoch < seen) return { outcome: "fenced", newerEpoch: seen };
      if (epoch > seen) this.#strings.set(coordination.fence, String(epoch));
    }
    const failed = ops.flatMap((op, index) => {
      const condition = conditionOf(op);
      return condition !== undefined && !this.#holds(op.key, condition) ? [index] : [];
    });
    if (failed.length > 0) return { outcome: "conflict", failed };

    const changed = new Set<Tag>();
    const name = (...tags: (Tag | undefined)[]): void => {
      for (const tag of tags) if (tag !== undefined) changed.add(tag);
    };
    for (const op of ops) {
      const effect = this.#apply(op);
      if (effect !== "unchanged") name(op.tag);
      if (effect === "created" && (op.type === "set" || op.type === "hset")) name(...(op.insertTags ?? []));
    }
    if (changed.size === 0) return { outcome: "ok", sequence: 0, changed: [] };
    const sequence = Number(this.get(coordination.sequence) ?? 0) + 1;
    this.#strings.set(coordination.sequence, String(sequence));
    return { outcome: "ok", sequence, changed: [...changed] };
  }

  #holds(key: string, condition: { absent: true } | { stored: string }): boolean {
    const current = this.get(key);
    return "absent" in condition ? current === undefined : current === condition.stored;
  }

  #apply(op: WriteOp): Effect {
    switch (op.type) {
      case "set": {
        const old = this.get(op.key);
        if (old === op.value) return "unchanged";
        this.#strings.set(op.key, op.value);
        if (op.ttlMs === undefined) this.#expiries.delete(op.key);
        else this.#expireLater(op.key, op.ttlMs);
        return old === undefined ? "created" : "changed";
      }
      case "hset": {
        const hash = this.#hash(op.key);
        const old = hash.get(op.field);
        if (old === op.value) return "unchanged";
        hash.set(op.field, op.value);
        return old === undefined ? "created" : "changed";
      }
      case "hdel":
        return effectOf(this.#hashes.get(op.key)?.delete(op.field) ?? false);
      case "hreplace": {
        const held = this.#hashes.get(op.key) ?? new Map<string, string>();
        const wanted = new Map(op.entries);
        const differs = held.size !== wanted.size || [...wanted].some(([field, value]) => held.get(field) !== value);
        if (wanted.size === 0) this.#hashes.delete(op.key);
        else this.#hashes.set(op.key, wanted);
        return effectOf(differs);
      }
      case "zadd": {
        let set = this.#sortedSets.get(op.key);
        if (set === undefined) {
          set = new MemorySortedSet();
          this.#sortedSets.set(op.key, set);
        }
        return effectOf(set.add(op.member, op.score));
      }
      case "del": {
        this.#expire(op.key);
        const existed = [this.#strings, this.#hashes, this.#sortedSets, this.#lists].map((shape) => shape.delete(op.key)).includes(true);
        this.#expiries.delete(op.key);
        return effectOf(existed);
      }
      case "zrem": {
        if (op.whenEmpty !== undefined && this.#sortedSets.has(op.whenEmpty)) return "unchanged";
        const set = this.#sortedSets.get(op.key);
        if (set === undefined || !set.remove(op.member)) return "unchanged";
        // As Redis: a sorted set left empty is no key at all.
        if (set.size === 0) this.#sortedSets.delete(op.key);
        return "changed";
      }
      case "list": {
        const old = this.#lists.get(op.key) ?? [];
        if (old.length === op.items.length && old.every((item, index) => item === op.items[index])) return "unchanged";
        if (op.items.length === 0) this.#lists.delete(op.key);
        else this.#lists.set(op.key, [...op.items]);
        return "changed";
      }
    }
  }

  /** Drops the string if its time to live is over, as Redis does on access. */
  #expire(key: string): void {
    const expiresAt = this.#expiries.get(key);
    if (expiresAt === undefined || expiresAt > Date.now()) return;
    this.#expiries.delete(key);
    this.#strings.delete(key);
  }

  /** Sets a time to live, dropping every string whose own is over: nothing read again lingers past it either. */
  #expireLater(key: string, ttlMs: number): void {
    for (const expiring of [...this.#expiries.keys()]) this.#expire(expiring);
    this.#expiries.set(key, Date.now() + ttlMs);
  }

  #hash(key: string): Map<string, string> {
    let hash = this.#hashes.get(key);
    if (hash === undefined) {
      hash = new Map();
      this.#hashes.set(key, hash);
    }
    return hash;
  }
}
