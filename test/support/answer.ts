import { expect } from "vitest";

/** The objects below `value` in a GraphQL answer (`value` itself not counted): what the cost meter counts for its data. */
export function objectsBelow(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  return Object.values(value).reduce((sum: number, item: unknown) => sum + (isObject(item) ? 1 : 0) + objectsBelow(item), 0);
}

function isObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The body of a successful answer with `data`, to compare with `toEqual`: besides the data, its cost, whose actual
 * part is the objects in the data (the estimate and the maximum are other tests' concern).
 */
export function answerOf(data: unknown) {
  return { data, extensions: { cost: { requested: expect.any(Number), actual: objectsBelow(data), maximum: expect.any(Number) } } };
}
