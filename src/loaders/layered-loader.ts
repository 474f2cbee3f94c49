/**
 * The DataLoader behind every entity loader, which can also answer from the L1 at once (`loadNow`). A warm
 * dashboard's links (workflows, jobs, job details: ~650 per answer) are almost all L1 hits; through `load` each
 * cost a promise, a batch and a microtask hop, and made graphql-js complete its object asynchronously. Answered at
 * once, graphql-js completes them synchronously, as it does plain objects.
 */
import DataLoader from "dataloader";
import { l1Key } from "./l1-cache.js";
import { loadLayered } from "./layered-load.js";
import type { LayeredContext, LayeredSource } from "./layered-load.js";

export class LayeredLoader<K, V> extends DataLoader<K, V, string> {
  readonly #source: LayeredSource<K, V>;
  readonly #context: LayeredContext;

  constructor(source: LayeredSource<K, V>, context: LayeredContext) {
    super((keys) => loadLayered(keys, source, context), { cacheKeyFn: source.idOf });
    this.#source = source;
    this.#context = context;
  }

  /** What the L1 holds for `key` now, or undefined on a miss. */
  peek(key: K): V | undefined {
    const hit = this.#context.l1.get<V>(l1Key(this.#source.kind, this.#source.idOf(key)));
    if (hit === undefined) return undefined;
    this.#context.stats.l1.hits += 1;
    return hit.value;
  }
}

/**
 * `loader`'s value for `key`: at once when the L1 holds it, else through the loader's batch. Any DataLoader works
 * (tests and the benchmarks' baselines pass their own); only a `LayeredLoader` answers at once.
 */
export function loadNow<K, V, C>(loader: DataLoader<K, V, C>, key: K): V | Promise<V> {
  const hit = loader instanceof LayeredLoader ? (loader.peek(key) as V | undefined) : undefined;
  return hit !== undefined ? hit : loader.load(key);
}
