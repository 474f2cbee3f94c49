/** What a thrown value says, for a log field or a report: an `Error`'s message, anything else as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
