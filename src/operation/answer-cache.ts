import { LRUCache } from "lru-cache";
import type { ReadTracker } from "../loaders/read-tracker.js";
import type { Invalidations } from "../store/invalidations.js";
import type { Tag } from "../store/tags.js";
import type { Answer } from "./answer.js";
import { ReadRecorder } from "./read-recorder.js";

export interface AnswerCacheOptions {
  /** Where writes announce what they changed: each entry lives until one of its tags is named there. */
  invalidations: Invalidations;
  /** Answers kept (`GRAPHQL_ANSWER_CACHE_ENTRIES`). */
  maxEntries: number;
  /** Bytes of answers kept, whatever their number. Default `DEFAULT_ANSWER_CACHE_BYTES`. */
  maxBytes?: number;
}

/** Distinct answers a deployment's dashboards keep warm: every project's pages and branches, with room to spare. */
export const DEFAULT_ANSWER_CACHE_ENTRIES = 1000;
/** A dashboard's answer is a few hundred KiB: this keeps a few hundred of them, and bounds what many large ones cost. */
export const DEFAULT_ANSWER_CACHE_BYTES = 64 * 1024 * 1024;

export interface AnswerCacheStats {
  /** Answers served from memory. */
  hits: number;
  /** Answers executed. */
  misses: number;
  /** Answers shared with an identical request that was executing. */
  shared: number;
  /** Answers held now. */
  entries: number;
}

/** What one execution made, and whether it may be kept (no errors, nothing the store does not hold). */
export interface Produced {
  answer: Answer;
  keepable: boolean;
}

interface Entry {
  readonly answer: Answer;
  readonly tags: readonly Tag[];
}

/** An execution in progress, which identical requests may wait for. */
interface Flight {
  /** `position` when it started. */
  readonly startedAt: number;
  readonly recorder: ReadRecorder;
  readonly done: Promise<Produced>;
  /** Once done: the position of the first invalidation after its start that named a tag it read (Infinity: none). */
  touchedAt: number;
}

/** One invalidation heard while executions were in progress; `all` for a reset. */
interface Heard {
  readonly at: number;
  readonly tags: ReadonlySet<Tag> | "all";
}

/**
 * Whole answers (serialized bytes) by request key, each kept until an invalidation names a tag its execution read.
 * Identical requests arriving while one executes wait for it and share its answer.
 *
 * Freshness is by position: the count of invalidations heard. A request notes the position after its barrier
 * (every write committed before it arrived has then been heard). An execution remembers where it started; when it
 * ends, the first later invalidation of a tag it read (possibly one it read from a store read already in flight
 * when the write committed) decides the rest. It is kept only if there was none, and a waiting request takes it
 * only if there was none up to that request's own position; otherwise the request executes afresh.
 */
export class AnswerCache {
  readonly #entries: LRUCache<string, Entry>;
  readonly #keysByTag = new Map<Tag, Set<string>>();
  /** The execution an identical request may join, by key. */
  readonly #flights = new Map<string, Flight>();
  /** Every execution in progress, joinable or not (one a fresher execution of its key replaced). */
  readonly #running = new Set<Flight>();
  #position = 0;
  /** Invalidations heard since the oldest flight in progress started: what ending flights are checked against. */
  #heard: Heard[] = [];
  readonly #stats = { hits: 0, misses: 0, shared: 0 };
  readonly #unsubscribe: (() => void)[];

  constructor(options: AnswerCacheOptions) {
    this.#entries = new LRUCache<string, Entry>({
      max: options.maxEntries,
      maxSize: options.maxBytes ?? DEFAULT_ANSWER_CACHE_BYTES,
      sizeCalculation: (entry, key) => entry.answer.bytes.length + key.length,
      dispose: (entry, key) => this.#unindex(entry, key),
    });
    this.#unsubscribe = [
      options.invalidations.subscribe((changed) => this.#invalidate(new Set(changed))),
      options.invalidations.onReset(() => this.#invalidate("all")),
    ];
  }

  /** Invalidations heard so far: what a request notes once its barrier resolved. */
  get position(): number {
    return this.#position;
  }

  get stats(): AnswerCacheStats {
    return { ...this.#stats, entries: this.#entries.size };
  }

  /** The kept answer of `key`, counted as a hit; undefined (and not counted) when there is none. */
  peek(key: string): Answer | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#stats.hits += 1;
    return entry.answer;
  }

  /**
   * The answer of `key` for a request at `position`: kept, shared with an identical execution in progress that is
   * fresh enough, or made by `produce` with the tracker its execution reports its reads to.
   */
  async answer(key: string, position: number, produce: (tracker: ReadTracker) => Promise<Produced>): Promise<Answer> {
    for (;;) {
      const kept = this.peek(key);
      if (kept !== undefined) return kept;
      const flight = this.#flights.get(key);
      // Already touched by a write this request must see: waiting for it would only end in executing afresh.
      if (flight === undefined || this.#firstTouch(flight) <= position) break;
      const produced = await flight.done;
      if (flight.touchedAt > position) {
        this.#stats.shared += 1;
        return produced.answer;
      }
    }
    this.#stats.misses += 1;
    return this.#fly(key, produce);
  }

  close(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#entries.clear();
  }

  async #fly(key: string, produce: (tracker: ReadTracker) => Promise<Produced>): Promise<Answer> {
    const recorder = new ReadRecorder();
    let settle!: (produced: Produced) => void;
    let fail!: (error: unknown) => void;
    const done = new Promise<Produced>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    // A failure reaches the request that executed; waiting requests see it through `done`.
    done.catch(() => undefined);
    const flight: Flight = { startedAt: this.#position, recorder, done, touchedAt: Number.POSITIVE_INFINITY };
    this.#flights.set(key, flight);
    this.#running.add(flight);
    let produced: Produced;
    try {
      produced = await produce(recorder);
    } catch (error) {
      this.#land(key, flight);
      fail(error);
      throw error;
    }
    // Decided before anyone waiting reads it, and before the flight is forgotten.
    flight.touchedAt = this.#firstTouch(flight);
    this.#land(key, flight);
    if (produced.keepable && flight.touchedAt === Number.POSITIVE_INFINITY && !recorder.usedUnstoredData) this.#keep(key, produced.answer, recorder.tags);
    settle(produced);
    return produced.answer;
  }

  #land(key: string, landed: Flight): void {
    if (this.#flights.get(key) === landed) this.#flights.delete(key);
    this.#running.delete(landed);
    let oldest = this.#position;
    for (const flight of this.#running) oldest = Math.min(oldest, flight.startedAt);
    // What no flight in progress can be touched by.
    this.#heard = this.#heard.filter((heard) => heard.at > oldest);
  }

  #firstTouch(flight: Flight): number {
    for (const heard of this.#heard) {
      if (heard.at <= flight.startedAt) continue;
      if (heard.tags === "all") return heard.at;
      for (const tag of heard.tags) if (flight.recorder.tags.has(tag)) return heard.at;
    }
    return Number.POSITIVE_INFINITY;
  }

  #keep(key: string, answer: Answer, tags: ReadonlySet<Tag>): void {
    const entry: Entry = { answer: { bytes: answer.bytes, refusal: undefined, result: undefined }, tags: [...tags] };
    this.#entries.set(key, entry);
    // Too large for the cache: not kept, so not indexed.
    if (this.#entries.get(key) !== entry) return;
    for (const tag of entry.tags) {
      let keys = this.#keysByTag.get(tag);
      if (keys === undefined) this.#keysByTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  #unindex(entry: Entry, key: string): void {
    for (const tag of entry.tags) {
      const keys = this.#keysByTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.#keysByTag.delete(tag);
    }
  }

  #invalidate(changed: ReadonlySet<Tag> | "all"): void {
    this.#position += 1;
    if (this.#running.size > 0) this.#heard.push({ at: this.#position, tags: changed });
    if (changed === "all") {
      this.#entries.clear();
      return;
    }
    for (const tag of changed) {
      for (const key of [...(this.#keysByTag.get(tag) ?? [])]) this.#entries.delete(key);
    }
  }
}
