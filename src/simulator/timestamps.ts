/**
 * CircleCI mixes timestamp precision by resource (API.md §1, "Timestamps"): pipelines, job details,
 * contexts and v1.1 builds carry milliseconds, workflows and workflow jobs do not. The simulator
 * reproduces both so that clients which compare timestamps as strings get caught.
 */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** `2020-01-10T19:45:58.517Z` */
export function isoMillis(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** `2024-03-11T14:56:45Z` (truncated, never rounded up into the future). */
export function isoSeconds(epochMs: number): string {
  return new Date(epochMs - (((epochMs % SECOND_MS) + SECOND_MS) % SECOND_MS)).toISOString().replace(".000Z", "Z");
}
