import { NotFoundError, RecordRejectedError } from "../circleci/index.js";
import { rejectInto } from "./report.js";
import type { StreamTally } from "./report.js";

/** What a single read came to: the record, or why the stream goes on without it. */
export type ReadOutcome<T> = { found: T } | { missing: "not-found" | "rejected" };

/**
 * A single read that cannot fail its stream for one record: a 404 (the resource is gone or hidden from the token)
 * and a record that does not fit its schema are counted on `tally` and answered as missing. Any other failure is
 * thrown as it is.
 */
export async function readOne<T>(request: Promise<T>, tally: StreamTally): Promise<ReadOutcome<T>> {
  try {
    return { found: await request };
  } catch (error) {
    if (error instanceof NotFoundError) {
      tally.notFound += 1;
      return { missing: "not-found" };
    }
    if (error instanceof RecordRejectedError) {
      rejectInto(tally)(error.rejection);
      return { missing: "rejected" };
    }
    throw error;
  }
}
