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
  const day = Math.floor(epochMs / DAY_MS);
  const inDay = epochMs - day * DAY_MS;
  const millis = inDay % SECOND_MS;
  return `${timeOfDay(day, inDay)}.${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
}

/** `2024-03-11T14:56:45Z` (truncated, never rounded up into the future). */
export function isoSeconds(epochMs: number): string {
  const day = Math.floor(epochMs / DAY_MS);
  return `${timeOfDay(day, epochMs - day * DAY_MS)}Z`;
}

/**
 * Formatting dominates building a large history (hundreds of thousands of timestamps), and
 * `Date#toISOString` allocates a Date each time; the date part is looked up per day instead.
 */
const datePrefixes = new Map<number, string>();

function timeOfDay(day: number, inDay: number): string {
  let prefix = datePrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    datePrefixes.set(day, prefix);
  }
  const seconds = Math.floor(inDay / SECOND_MS);
  return `${prefix}${twoDigits(Math.floor(seconds / 3600))}:${twoDigits(Math.floor(seconds / 60) % 60)}:${twoDigits(seconds % 60)}`;
}

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
