/**
 * Maps a subscription's source events through `map`, one at a time, as graphql-js's own `subscribe` does, but with
 * an `await` of the pipeline's choosing (the invalidation barrier) inside `map`. An iterator rather than an async
 * generator: a generator's `return()` waits for the pending `next()` (the next event, which may never come), so a
 * client's `complete` would not end the source stream at once; this one passes `return()` straight through.
 */
export function mapEvents<T, U>(source: AsyncIterable<T>, map: (event: T) => Promise<U>): AsyncIterableIterator<U> {
  const iterator = source[Symbol.asyncIterator]();
  const close = async (): Promise<IteratorResult<U>> => {
    await iterator.return?.();
    return { done: true, value: undefined };
  };
  return {
    async next() {
      const event = await iterator.next();
      if (event.done === true) return { done: true, value: undefined };
      try {
        return { done: false, value: await map(event.value) };
      } catch (error) {
        await close();
        throw error;
      }
    },
    return: close,
    async throw(error: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
