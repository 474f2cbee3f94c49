/**
 * The in-process LRU in front of the store, shared by every request of a factory. Entries live a
 * short TTL, so another instance's writes show within it, and the change events a sync publishes
 * evict what they touch at once. Keys are namespaced per kind (`l1Key`).
 */
import { LRUCache } from "lru-cache";
import { projectKey } from "../project-slug.js";
import type { ChangeEvent } from "../store/events.js";
import type { JobKey } from "../store/store.js";

export type L1Kind =
  | "project"
  | "pipeline"
  | "workflowsOf"
  | "workflow"
  | "job"
  | "jobsOf"
  | "jobRecord"
  | "page"
  | "contexts"
  | "syncStatus";

export function l1Key(kind: L1Kind, id: string): string {
  return `${kind}\u0000${id}`;
}

/** A job's key in the store and the L1: its project's key, whatever the spelling asked for. */
export function storedJobKey(key: JobKey): JobKey {
  return { projectSlug: projectKey(key.projectSlug), number: key.number };
}

export function jobKeyId(key: JobKey): string {
  return `${projectKey(key.projectSlug)}#${key.number}`;
}

/** The `page` entries of one project (in any spelling) share this prefix, so a new pipeline evicts them all. */
export function pageKeyPrefix(projectSlug: string): string {
  return l1Key("page", `${projectKey(projectSlug)}\u0000`);
}

export interface L1CacheOptions {
  /** Milliseconds an entry lives. 0 disables the cache. */
  ttlMs: number;
  maxEntries: number;
}

/** `null` is a value worth caching ("CircleCI does not know it"); the box tells it from a miss. */
interface Boxed {
  value: unknown;
}

export class L1Cache {
  readonly #entries: LRUCache<string, Boxed> | undefined;
  /** Store reads in flight, by key (see `track`). */
  readonly #reading = new Map<string, Promise<unknown>>();

  constructor(options: L1CacheOptions) {
    if (!Number.isFinite(options.ttlMs) || options.ttlMs < 0) throw new RangeError(`l1TtlMs must be >= 0, got ${options.ttlMs}`);
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`l1MaxEntries must be an integer >= 1, got ${options.maxEntries}`);
    }
    this.#entries = options.ttlMs === 0 ? undefined : new LRUCache({ max: options.maxEntries, ttl: options.ttlMs });
  }

  get<T>(key: string): { value: T } | undefined {
    return this.#entries?.get(key) as { value: T } | undefined;
  }

  set(key: string, value: unknown): void {
    this.#entries?.set(key, { value });
  }

  /** The store read of `key` a request has in flight (`track`), for another request that misses it meanwhile. */
  reading<T>(key: string): Promise<T | undefined> | undefined {
    return this.#reading.get(key) as Promise<T | undefined> | undefined;
  }

  /**
   * Shares `read` (a store read of `key`: its value, or undefined where the store lacks it) with every request
   * that misses the key until it settles, and keeps what it found. Under load, entries of one dashboard expire
   * together and every request in flight missed them at once, each reading and decoding the same documents: now
   * one does. An eviction (`delete`) while the read is in flight forgets it: the read may predate the change,
   * so it neither serves later requests nor enters the cache.
   */
  track(key: string, read: Promise<unknown>): void {
    this.#reading.set(key, read);
    const settle = (value: unknown): void => {
      if (this.#reading.get(key) !== read) return;
      this.#reading.delete(key);
      if (value !== undefined) this.set(key, value);
    };
    read.then(settle, () => settle(undefined));
  }

  delete(key: string): void {
    this.#entries?.delete(key);
    this.#reading.delete(key);
  }

  deletePrefix(prefix: string): void {
    const keys = [...(this.#entries?.keys() ?? []), ...this.#reading.keys()];
    for (const key of keys) if (key.startsWith(prefix)) this.delete(key);
  }

  /** Evicts every entry the event makes stale: the entity itself and the lists and pages it belongs to. */
  invalidate(event: ChangeEvent): void {
    switch (event.type) {
      case "pipeline.created":
        this.delete(l1Key("pipeline", event.pipeline.id));
        this.delete(l1Key("workflowsOf", event.pipeline.id));
        this.deletePrefix(pageKeyPrefix(event.projectSlug));
        return;
      case "workflow.status_changed":
        this.delete(l1Key("workflow", event.workflow.id));
        this.delete(l1Key("workflowsOf", event.workflow.pipeline_id));
        this.delete(l1Key("jobsOf", event.workflow.id));
        return;
      case "job.status_changed":
        this.delete(l1Key("job", event.job.id));
        this.delete(l1Key("jobsOf", event.workflowId));
        if (event.job.job_number != null) {
          this.delete(l1Key("jobRecord", jobKeyId({ projectSlug: event.projectSlug, number: event.job.job_number })));
        }
        return;
    }
  }
}
