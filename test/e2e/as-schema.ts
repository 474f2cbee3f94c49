/** CircleCI's value as the schema's enum value: upper-cased, `-` as `_`. */
export function enumOf(value: string): string {
  return value.toUpperCase().replaceAll("-", "_");
}

/** A CircleCI timestamp as the `DateTimeISO` scalar serializes it (UTC, milliseconds); null when there is none. */
export function isoOf(timestamp: string | null | undefined): string | null {
  return timestamp == null ? null : new Date(timestamp).toISOString();
}
