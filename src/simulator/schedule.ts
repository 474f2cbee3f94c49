/**
 * Transitions due at simulated instants, kept in a binary min-heap so that moving the clock costs
 * O(due · log pending) and never a scan of history. Ties run in the order they were scheduled,
 * which makes one large step and many small steps apply the same transitions in the same order.
 */

interface Due {
  at: number;
  order: number;
  run: () => void;
}

export class Schedule {
  readonly #heap: Due[] = [];
  #scheduled = 0;

  get size(): number {
    return this.#heap.length;
  }

  add(at: number, run: () => void): void {
    this.#heap.push({ at, order: this.#scheduled++, run });
    this.#siftUp(this.#heap.length - 1);
  }

  /**
   * Runs every transition due at or before `until`, earliest first, including those that running
   * transitions schedule inside the window. `enter` is told each instant before its transition runs.
   */
  runUntil(until: number, enter: (at: number) => void): void {
    for (let next = this.#heap[0]; next !== undefined && next.at <= until; next = this.#heap[0]) {
      this.#popFirst();
      enter(next.at);
      next.run();
    }
  }

  #popFirst(): void {
    const last = this.#heap.pop();
    if (last !== undefined && this.#heap.length > 0) {
      this.#heap[0] = last;
      this.#siftDown(0);
    }
  }

  #before(a: Due, b: Due): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  #siftUp(index: number): void {
    const heap = this.#heap;
    const item = heap[index] as Due;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as Due;
      if (!this.#before(item, parent)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = item;
  }

  #siftDown(index: number): void {
    const heap = this.#heap;
    const item = heap[index] as Due;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && this.#before(heap[right] as Due, heap[left] as Due) ? right : left;
      if (!this.#before(heap[child] as Due, item)) break;
      heap[index] = heap[child] as Due;
      index = child;
    }
    heap[index] = item;
  }
}
