import type { Tag } from "./tags.js";

/** Receives the tags of one committed write. Called synchronously, in commit order per writer; must not throw. */
export type InvalidationListener = (changed: readonly Tag[]) => void;

/**
 * The stream of "this changed" the store's writer produces, as each instance receives it. Every cache of the read
 * path subscribes and evicts what a write names; a cache that may have missed a write (`onReset`) drops everything.
 */
export interface Invalidations {
  /** Calls `listener` with the tags of every write committed from now on, by any writer on any instance. */
  subscribe(listener: InvalidationListener): () => void;
  /**
   * Calls `listener` when writes may have been missed: the connection that carries invalidations was lost, or one
   * arrived out of sequence. Every cache must then drop all it holds.
   */
  onReset(listener: () => void): () => void;
  /**
   * Resolves once every write committed before the call has reached the listeners, so a read that follows sees no
   * cache entry older than those writes. A request calls it once before it reads any cache: a client told of a
   * change (a subscription event, a mutation's answer) that then asks any instance gets an answer with the change.
   */
  barrier(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The embedded mode's invalidations: one process, so the writer calls `publish` as it commits and every listener has
 * heard of a write before the write returns; `barrier` has nothing to wait for.
 */
export class LocalInvalidations implements Invalidations {
  readonly #listeners = new Set<InvalidationListener>();
  readonly #resetListeners = new Set<() => void>();

  publish(changed: readonly Tag[]): void {
    if (changed.length === 0) return;
    for (const listener of [...this.#listeners]) listener(changed);
  }

  /** Tells every cache to drop all it holds. */
  reset(): void {
    for (const listener of [...this.#resetListeners]) listener();
  }

  subscribe(listener: InvalidationListener): () => void {
    const entry: InvalidationListener = (changed) => listener(changed);
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  onReset(listener: () => void): () => void {
    const entry = (): void => listener();
    this.#resetListeners.add(entry);
    return () => void this.#resetListeners.delete(entry);
  }

  async barrier(): Promise<void> {}

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#resetListeners.clear();
  }
}
