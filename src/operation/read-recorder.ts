import type { ReadTracker } from "../loaders/read-tracker.js";
import type { Tag } from "../store/tags.js";

/** The `ReadTracker` of one execution: every tag its answer was built from, and whether any of it is not in the store. */
export class ReadRecorder implements ReadTracker {
  readonly tags = new Set<Tag>();
  #unstored = false;

  read(tag: Tag): void {
    this.tags.add(tag);
  }

  unstored(): void {
    this.#unstored = true;
  }

  /** Whether the answer used CircleCI data no write will announce a change of. */
  get usedUnstoredData(): boolean {
    return this.#unstored;
  }
}
