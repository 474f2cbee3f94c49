/**
 * A small seeded pseudo-random source. Every random choice in the simulated world goes through one
 * instance, in a fixed order, so the same seed and the same calls give a byte-identical world.
 * Not for anything secret: the algorithm (mulberry32) is chosen for speed and reproducibility.
 */

const BASE58_ALPHABET = [..."123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"];
const UUID_VARIANTS = [..."89ab"];

/** Spreads small neighbouring seeds (1, 2, 3) apart before the first draw. */
function initialState(seed: number): number {
  return Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
}

export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = initialState(seed);
  }

  /** Starts the sequence of `seed` afresh, as a new instance would. */
  reseed(seed: number): void {
    this.#state = initialState(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("cannot pick from an empty list");
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One value, drawn with probability proportional to its weight. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let point = this.next() * total;
    for (const [value, weight] of entries) {
      point -= weight;
      if (point < 0) return value;
    }
    const last = entries[entries.length - 1];
    if (!last) throw new RangeError("cannot pick from an empty list");
    return last[0];
  }

  /** `count` distinct items in random order (all of them when there are fewer). */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const taken: T[] = [];
    while (taken.length < count && pool.length > 0) {
      const index = Math.floor(this.next() * pool.length);
      taken.push(pool[index] as T);
      pool.splice(index, 1);
    }
    return taken;
  }

  /** Exponentially distributed with the given mean: the gaps of a Poisson arrival process. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  // Ids are assembled with `join`, which yields flat strings: appending piece by piece leaves a
  // chain of rope nodes per id in V8, and those made up most of the heap of a large world.

  hex(length: number): string {
    const words: string[] = [];
    for (let size = 0; size < length; size += 8) words.push(Math.floor(this.next() * 0x100000000).toString(16).padStart(8, "0"));
    return words.join("").slice(0, length);
  }

  base58(length: number): string {
    return Array.from({ length }, () => this.pick(BASE58_ALPHABET)).join("");
  }

  /** A lower-case, hyphenated id shaped like a version 4 UUID. */
  uuid(): string {
    const hex = this.hex(32);
    const variant = this.pick(UUID_VARIANTS);
    return [hex.slice(0, 8), hex.slice(8, 12), `4${hex.slice(13, 16)}`, `${variant}${hex.slice(17, 20)}`, hex.slice(20)].join("-");
  }
}
