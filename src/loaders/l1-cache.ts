/**
 * The in-process LRU in front of the store, shared by every request of a factory. It holds only what the store
 * holds (documents and listings read from it), each entry with the tags of everything it was built from, so the
 * writer's invalidations evict exactly the entries a write made stale, and a reset (invalidations may have been
 * missed) drops them all. Nothing expires by time: an entry is as fresh as the store until a write says otherwise.
 *
 * Keys are namespaced per kind (`l1Key`); capacity is bounded (least recently used evicted first).
 */
import { LRUCache } from "lru-cache";
import type { Tag } from "../store/tags.js";

export type L1Kind =
  | "project"
  | "pipeline"
  | "workflowsOf"
  | "workflow"
  | "job"
  | "jobsOf"
  | "jobRecord"
  | "testResults"
  | "listing"
  | "storedProject"
  | "projectListing"
  | "board"
  | "boardBranches"
  | "pendingApprovals"
  | "contexts"
  | "syncStatus";

export function l1Key(kind: L1Kind, id: string): string {
  return `${kind}\u0000${id}`;
}

/** A value with the tags it depends on. `null` is a value worth keeping ("the store holds no such job"). */
export interface L1Entry<T = unknown> {
  value: T;
  tags: readonly Tag[];
}

export interface L1CacheOptions {
  maxEntries: number;
}

export class L1Cache {
  readonly #entries: LRUCache<string, L1Entry>;
  /** Keys of the entries built from each tag: what an invalidation of the tag evicts. */
  readonly #keysByTag = new Map<Tag, Set<string>>();
  /** Store reads in flight, by key (see `track`). */
  readonly #reading = new Map<string, Promise<L1Entry | undefined>>();
  /** Bumped by every invalidation and reset: a read that started in an earlier generation may predate a write. */
  #generation = 0;

  constructor(options: L1CacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`l1MaxEntries must be an integer >= 1, got ${options.maxEntries}`);
    }
    this.#entries = new LRUCache<string, L1Entry>({
      max: options.maxEntries,
      dispose: (entry, key) => this.#unindex(key, entry.tags),
    });
  }

  get size(): number {
    return this.#entries.size;
  }

  get<T>(key: string): L1Entry<T> | undefined {
    return this.#entries.get(key) as L1Entry<T> | undefined;
  }

  set(key: string, entry: L1Entry): void {
    this.#entries.set(key, entry);
    for (const tag of entry.tags) {
      let keys = this.#keysByTag.get(tag);
      if (keys === undefined) this.#keysByTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  /** The store read of `key` another request has in flight (`track`), for a request that misses it meanwhile. */
  reading<T>(key: string): Promise<L1Entry<T> | undefined> | undefined {
    return this.#reading.get(key) as Promise<L1Entry<T> | undefined> | undefined;
  }

  /**
   * Shares `read` (a store read of `key`: the entry it found, or undefined where the store lacks the key) with every
   * request that misses the key until it settles, and keeps what it found. Under load many requests miss the same
   * keys at once, each reading and decoding the same documents: now one does. A read overtaken by an invalidation
   * or a reset (of any tag: its own tags are only known once it answers) neither enters the cache nor serves the
   * requests that come after the invalidation: it may predate the write.
   */
  track(key: string, read: Promise<L1Entry | undefined>): void {
    const generation = this.#generation;
    this.#reading.set(key, read);
    const settle = (entry: L1Entry | undefined): void => {
      if (this.#reading.get(key) === read) this.#reading.delete(key);
      if (entry !== undefined && generation === this.#generation) this.set(key, entry);
    };
    read.then(settle, () => settle(undefined));
  }

  /** Evicts every entry built from one of `changed`, and forgets the reads in flight. */
  invalidate(changed: readonly Tag[]): void {
    this.#generation += 1;
    this.#reading.clear();
    for (const tag of changed) {
      const keys = this.#keysByTag.get(tag);
      if (keys === undefined) continue;
      for (const key of [...keys]) this.#entries.delete(key);
    }
  }

  /** Drops everything: invalidations may have been missed. */
  clear(): void {
    this.#generation += 1;
    this.#reading.clear();
    this.#entries.clear();
    this.#keysByTag.clear();
  }

  #unindex(key: string, entryTags: readonly Tag[]): void {
    for (const tag of entryTags) {
      const keys = this.#keysByTag.get(tag);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) this.#keysByTag.delete(tag);
    }
  }
}
