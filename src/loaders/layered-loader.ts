/**
 * The DataLoader behind every entity loader: one value per key per request, whichever layer answered it first.
 * It can also answer at once (`loadNow`) a key the request already holds or the L1 has: a warm dashboard's links
 * (workflows, jobs, job details: ~650 per answer) are almost all L1 hits, and through `load` each would cost a
 * promise, a batch and a microtask hop and make graphql-js complete its object asynchronously.
 */
import DataLoader from "dataloader";
import { l1Key } from "./l1-cache.js";
import { answered, loadLayered } from "./layered-load.js";
import type { LayeredSource, RequestContext } from "./layered-load.js";

export class LayeredLoader<K, V> extends DataLoader<K, V, string> {
  readonly #source: LayeredSource<K, V>;
  readonly #context: RequestContext;
  /** What this request was answered, by id: the value every later read of the key in the request gets. */
  readonly #values = new Map<string, V>();

  constructor(source: LayeredSource<K, V>, context: RequestContext) {
    super(
      async (keys) => {
        const results = await loadLayered(keys, source, context);
        results.forEach((result, index) => {
          if (!(result instanceof Error)) this.#values.set(source.idOf(keys[index] as K), result);
        });
        return results;
      },
      { cacheKeyFn: source.idOf },
    );
    this.#source = source;
    this.#context = context;
  }

  /** The value this request holds for `key`, or the L1's (which becomes the request's), or undefined. */
  peek(key: K): V | undefined {
    const id = this.#source.idOf(key);
    if (this.#values.has(id)) return this.#values.get(id);
    const hit = this.#context.l1.get<V>(l1Key(this.#source.kind, id));
    if (hit === undefined) return undefined;
    this.#context.stats.l1.hits += 1;
    const value = answered(hit, this.#context.tracker);
    this.#values.set(id, value);
    // A later `load` of the key in this request gets the same value, not a newer one the L1 may hold by then.
    this.prime(key, value);
    return value;
  }
}

/**
 * `loader`'s value for `key`: at once when the request or the L1 holds it, else through the loader's batch. Any
 * DataLoader works (tests and the benchmarks' baselines pass their own); only a `LayeredLoader` answers at once.
 */
export function loadNow<K, V, C>(loader: DataLoader<K, V, C>, key: K): V | Promise<V> {
  const hit = loader instanceof LayeredLoader ? (loader.peek(key) as V | undefined) : undefined;
  return hit !== undefined ? hit : loader.load(key);
}
