import { z } from "zod";

/**
 * CircleCI grows its enums (`terminated-unknown`, trigger types such as "Decoupled Ingestion
 * System"), so a value outside the documented list must not fail a sync. An open enum keeps
 * autocompletion for the known values while accepting any string; consumers map the unknown ones
 * (GraphQL exposes them as `UNKNOWN`).
 */
export type OpenEnum<Known extends string> = Known | (string & {});

export interface OpenEnumSpec<Known extends string> {
  /** The documented values, in the order CircleCI's OpenAPI document lists them. */
  readonly known: readonly Known[];
  readonly schema: z.ZodType<OpenEnum<Known>>;
  isKnown(value: string): value is Known;
}

export function openEnum<const Known extends string>(known: readonly Known[]): OpenEnumSpec<Known> {
  const knownSet: ReadonlySet<string> = new Set(known);
  return {
    known,
    schema: z.string() as z.ZodType<OpenEnum<Known>>,
    isKnown: (value): value is Known => knownSet.has(value),
  };
}
