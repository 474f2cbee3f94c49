/**
 * A conditional write kept finding the store changed under it: every attempt read a document, and another writer
 * changed it before the write landed. Nothing of the last attempt was applied; the caller's next attempt (the next
 * sync cycle, CircleCI's redelivery of a webhook) starts over from what the store holds then.
 */
export class WriteConflictError extends Error {
  override name = "WriteConflictError";
  readonly code = "STORE_WRITE_CONFLICT";
  readonly attempts: number;

  constructor(what: string, attempts: number) {
    super(
      `could not write ${what}: another writer changed the same documents during each of ${attempts} attempts; ` +
        "nothing was written this time, and the next attempt starts from what the store holds then",
    );
    this.attempts = attempts;
  }
}
