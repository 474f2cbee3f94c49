import type { Tag } from "../store/tags.js";

/**
 * What one GraphQL execution read, for a cache of whole answers: the answer stays valid until a write invalidates one
 * of these tags. The loaders report every key they answer, whichever layer answered it (the request's DataLoader,
 * the L1, the store or CircleCI).
 */
export interface ReadTracker {
  read(tag: Tag): void;
  /**
   * The answer used data fetched from CircleCI that the store does not hold (yet): no write will announce when it
   * changes, so an answer built on it must not be kept.
   */
  unstored(): void;
}

/** For reads no answer cache will keep (the sync's own reads, tests). */
export const untrackedReads: ReadTracker = {
  read() {},
  unstored() {},
};
