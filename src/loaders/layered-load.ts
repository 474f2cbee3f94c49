/**
 * The batch function behind every entity loader: L1 first, then one store read for what the L1
 * lacked, then CircleCI key by key for what the store lacked. A key whose fetch fails gets its
 * own `Error` (DataLoader rejects that key alone). An unreachable store lacks every key (`StoreOutage`);
 * any other store failure fails the batch.
 */
import { l1Key } from "./l1-cache.js";
import type { L1Cache, L1Kind } from "./l1-cache.js";
import type { LoaderStats } from "./stats.js";
import type { StoreOutage } from "./store-outage.js";

export interface LayeredSource<K, V> {
  kind: L1Kind;
  idOf(key: K): string;
  /** One store round trip (or a constant few) for the whole batch; `undefined` where the store lacks a key. */
  readStore(keys: readonly K[]): Promise<(V | undefined)[]>;
  /** The key from CircleCI: deduplicated and bounded by the caller. */
  fetch(key: K): Promise<V>;
}

export interface LayeredContext {
  l1: L1Cache;
  stats: LoaderStats;
  outage: StoreOutage;
}

export async function loadLayered<K, V>(keys: readonly K[], source: LayeredSource<K, V>, context: LayeredContext): Promise<(V | Error)[]> {
  const { l1, stats } = context;
  const cacheKeys = keys.map((key) => l1Key(source.kind, source.idOf(key)));
  const results = new Array<V | Error>(keys.length);
  const l1Misses: number[] = [];
  cacheKeys.forEach((cacheKey, index) => {
    const hit = l1.get<V>(cacheKey);
    if (hit === undefined) l1Misses.push(index);
    else results[index] = hit.value;
  });
  stats.l1.hits += keys.length - l1Misses.length;
  stats.l1.misses += l1Misses.length;
  if (l1Misses.length === 0) return results;

  const stored = await Promise.all(readStore(l1Misses, keys, cacheKeys, source, context));
  const storeMisses: number[] = [];
  l1Misses.forEach((index, position) => {
    const value = stored[position];
    if (value === undefined) storeMisses.push(index);
    else results[index] = value;
  });
  stats.store.hits += l1Misses.length - storeMisses.length;
  stats.store.misses += storeMisses.length;

  await Promise.all(
    storeMisses.map((index) =>
      source.fetch(keys[index] as K).then(
        (value) => {
          results[index] = value;
          l1.set(cacheKeys[index] as string, value);
        },
        (error: unknown) => {
          results[index] = error instanceof Error ? error : new Error(String(error));
        },
      ),
    ),
  );
  return results;
}

/**
 * The store's answer for each missed key: joins another request's read of the key when one is in flight, and
 * reads the rest in one batch, each key's read shared through the L1 (`track`) until it settles.
 */
function readStore<K, V>(
  misses: readonly number[],
  keys: readonly K[],
  cacheKeys: readonly string[],
  source: LayeredSource<K, V>,
  { l1, outage }: LayeredContext,
): Promise<V | undefined>[] {
  const reads = misses.map((index) => l1.reading<V>(cacheKeys[index] as string));
  const unread = misses.flatMap((index, position) => (reads[position] === undefined ? [position] : []));
  if (unread.length === 0) return reads as Promise<V | undefined>[];
  const batch = outage.read(
    () => source.readStore(unread.map((position) => keys[misses[position] as number] as K)),
    unread.map(() => undefined),
  );
  unread.forEach((position, offset) => {
    const read = batch.then((values) => values[offset]);
    l1.track(cacheKeys[misses[position] as number] as string, read);
    reads[position] = read;
  });
  return reads as Promise<V | undefined>[];
}
