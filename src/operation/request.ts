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
  if (parsed.success) return parsed.data;
  const field = parsed.error.issues[0]?.path[0] as keyof OperationRequest;
  return badRequest(`\`${field}\` in a GraphQL request must be ${EXPECTED[field]}, got ${describe((value as Record<string, unknown>)[field])}`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
