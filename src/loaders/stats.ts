/** Where the read path found what it was asked for: a metrics hook, cumulative over a factory's life. */
export interface LoaderStats {
  /** Keys answered by the in-process LRU, and keys it lacked. */
  l1: LayerCounts;
  /** Keys answered by the store, and keys it lacked (sent on to CircleCI). */
  store: LayerCounts;
  /** Fetches that reached CircleCI: answered, answered 404 (served as null or empty), or failed. */
  circleci: { fetched: number; notFound: number; failed: number };
}

export interface LayerCounts {
  hits: number;
  misses: number;
}

export function emptyStats(): LoaderStats {
  return { l1: { hits: 0, misses: 0 }, store: { hits: 0, misses: 0 }, circleci: { fetched: 0, notFound: 0, failed: 0 } };
}

export function copyStats(stats: LoaderStats): LoaderStats {
  return { l1: { ...stats.l1 }, store: { ...stats.store }, circleci: { ...stats.circleci } };
}
