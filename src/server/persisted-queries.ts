import { LRUCache } from "lru-cache";

/** Query text Apollo may keep for automatic persisted queries, per server: plenty for every dashboard's queries. */
export const DEFAULT_PERSISTED_QUERY_CACHE_BYTES = 8 * 1024 * 1024;

/**
 * Apollo's `KeyValueCache` for automatic persisted queries (sha256 -> query text), bounded by the total length of
 * what it holds: anyone can register queries, so the cache must not grow with them. The least recently used
 * queries go first; a client whose hash was evicted gets PERSISTED_QUERY_NOT_FOUND and sends the query again.
 */
export function persistedQueryCache(maxBytes = DEFAULT_PERSISTED_QUERY_CACHE_BYTES) {
  const cache = new LRUCache<string, string>({ maxSize: maxBytes, sizeCalculation: (query, hash) => query.length + hash.length });
  return {
    async get(hash: string): Promise<string | undefined> {
      return cache.get(hash);
    },
    async set(hash: string, query: string): Promise<void> {
      cache.set(hash, query);
    },
    async delete(hash: string): Promise<boolean> {
      return cache.delete(hash);
    },
  };
}
