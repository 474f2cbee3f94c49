/**
 * The batch function behind every entity loader: L1 first, then one store read for what the L1 lacked, then
 * CircleCI key by key for what the store lacked. What the store answered enters the L1 with its tags; what CircleCI
 * answered does not (no write will announce when it changes: it lives as long as the request, and the write-back
 * puts settled data into the store for the next one). Every key answered is reported to the request's tracker.
 * A key whose fetch fails gets its own `Error` (DataLoader rejects that key alone). An unreachable store lacks every
 * key (`StoreOutage`); any other store failure fails the batch.
 */
import type { Tag } from "../store/tags.js";
import { l1Key } from "./l1-cache.js";
import type { L1Cache, L1Entry, L1Kind } from "./l1-cache.js";
import type { ReadTracker } from "./read-tracker.js";
import type { LoaderStats } from "./stats.js";
import type { StoreOutage } from "./store-outage.js";

export interface LayeredSource<K, V> {
  kind: L1Kind;
  idOf(key: K): string;
  /** What a stored value was built from: a write to any of these makes it stale. */
  tagsOf(key: K, value: V): readonly Tag[];
  /** One store round trip (or a constant few) for the whole batch; `undefined` where the store lacks a key. */
  readStore(keys: readonly K[]): Promise<(V | undefined)[]>;
  /** The key from CircleCI: deduplicated and bounded by the caller. */
  fetch(key: K): Promise<V>;
}

/** What the batch functions of one factory share. */
export interface LayeredContext {
  l1: L1Cache;
  stats: LoaderStats;
  outage: StoreOutage;
}

/** One request's view of it. */
export interface RequestContext extends LayeredContext {
  tracker: ReadTracker;
}

export async function loadLayered<K, V>(keys: readonly K[], source: LayeredSource<K, V>, context: RequestContext): Promise<(V | Error)[]> {
  const { l1, stats, tracker } = context;
  const cacheKeys = keys.map((key) => l1Key(source.kind, source.idOf(key)));
  const results = new Array<V | Error>(keys.length);
  const l1Misses: number[] = [];
  cacheKeys.forEach((cacheKey, index) => {
    const hit = l1.get<V>(cacheKey);
    if (hit === undefined) l1Misses.push(index);
    else results[index] = answered(hit, tracker);
  });
  stats.l1.hits += keys.length - l1Misses.length;
  stats.l1.misses += l1Misses.length;
  if (l1Misses.length === 0) return results;

  const stored = await Promise.all(readStore(l1Misses, keys, cacheKeys, source, context));
  const storeMisses: number[] = [];
  l1Misses.forEach((index, position) => {
    const entry = stored[position];
    if (entry === undefined) storeMisses.push(index);
    else results[index] = answered(entry, tracker);
  });
  stats.store.hits += l1Misses.length - storeMisses.length;
  stats.store.misses += storeMisses.length;
  if (storeMisses.length > 0) tracker.unstored();

  await Promise.all(
    storeMisses.map((index) =>
      source.fetch(keys[index] as K).then(
        (value) => {
          results[index] = value;
        },
        (error: unknown) => {
          results[index] = error instanceof Error ? error : new Error(String(error));
        },
      ),
    ),
  );
  return results;
}

/** The entry's value, its tags reported as read. */
export function answered<V>(entry: L1Entry<V>, tracker: ReadTracker): V {
  for (const tag of entry.tags) tracker.read(tag);
  return entry.value;
}

/**
 * The store's entry for each missed key: joins another request's read of the key when one is in flight, and reads
 * the rest in one batch, each key's read shared through the L1 (`track`) until it settles.
 */
function readStore<K, V>(
  misses: readonly number[],
  keys: readonly K[],
  cacheKeys: readonly string[],
  source: LayeredSource<K, V>,
  { l1, outage }: LayeredContext,
): Promise<L1Entry<V> | undefined>[] {
  const reads = misses.map((index) => l1.reading<V>(cacheKeys[index] as string));
  const unread = misses.flatMap((index, position) => (reads[position] === undefined ? [position] : []));
  if (unread.length === 0) return reads as Promise<L1Entry<V> | undefined>[];
  const unreadKeys = unread.map((position) => keys[misses[position] as number] as K);
  const batch = outage.read(() => source.readStore(unreadKeys), unreadKeys.map(() => undefined));
  unread.forEach((position, offset) => {
    const key = unreadKeys[offset] as K;
    const read = batch.then((values): L1Entry<V> | undefined => {
      const value = values[offset];
      return value === undefined ? undefined : { value, tags: source.tagsOf(key, value) };
    });
    l1.track(cacheKeys[misses[position] as number] as string, read);
    reads[position] = read;
  });
  return reads as Promise<L1Entry<V> | undefined>[];
}
