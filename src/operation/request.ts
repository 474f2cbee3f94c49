import { GraphQLError } from "graphql";
import { z } from "zod";
import { BAD_REQUEST } from "./error-codes.js";

/** One GraphQL operation as a client sends it, over any transport (a POST body, a GET's parameters, a WebSocket `subscribe`). */
export interface OperationRequest {
  /** The document; absent when an automatic persisted query is sent by its hash alone. */
  readonly query?: string;
  readonly operationName?: string | null;
  readonly variables?: Readonly<Record<string, unknown>> | null;
  readonly extensions?: Readonly<Record<string, unknown>> | null;
}

const jsonObject = z.record(z.string(), z.unknown());

const requestSchema = z.object({
  query: z.string().optional(),
  operationName: z.string().nullish(),
  variables: jsonObject.nullish(),
  extensions: jsonObject.nullish(),
});

/** What each field must be, as the refusal says it. */
const EXPECTED: Record<keyof OperationRequest, string> = {
  query: "a string holding the GraphQL document",
  operationName: "a string",
  variables: "a JSON object (not a JSON-encoded string)",
  extensions: "a JSON object (not a JSON-encoded string)",
};

/**
 * How deep `variables` and `extensions` may nest. No input of a GraphQL schema nests like this; a JSON value that
 * does would break whatever walks it recursively (JSON.stringify among them) on its way to a 400.
 */
export const MAX_JSON_NESTING = 64;

/** A request that is not one: a BAD_REQUEST naming the field at fault. */
export function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: BAD_REQUEST } });
}

/** `value` checked as an `OperationRequest`, or the error that says which field is wrong and how. */
export function parseOperationRequest(value: unknown): OperationRequest | GraphQLError {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return badRequest(`a GraphQL request must be a JSON object such as {"query": "{ ... }"}, got ${describe(value)}`);
  }
  const parsed = requestSchema.safeParse(value);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path[0] as keyof OperationRequest;
    return badRequest(`\`${field}\` in a GraphQL request must be ${EXPECTED[field]}, got ${describe((value as Record<string, unknown>)[field])}`);
  }
  for (const field of ["variables", "extensions"] as const) {
    if (nestsDeeperThan(parsed.data[field], MAX_JSON_NESTING)) return badRequest(`\`${field}\` in a GraphQL request nests deeper than ${MAX_JSON_NESTING} levels`);
  }
  return parsed.data;
}

/** Walks without recursion, so a hostile value cannot overflow the stack here either. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== "object" || next.value === null) continue;
    if (next.depth >= limit) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
