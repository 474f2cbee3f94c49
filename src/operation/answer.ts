import type { FormattedExecutionResult, GraphQLError } from "graphql";

/**
 * Why an operation never ran, in the terms a transport picks its status from. Clients see the errors' codes; this
 * is for the transport alone, so the rule from reason to status lives in one place per transport.
 */
export type Refusal =
  /** What was sent is wrong: malformed, over a limit, invalid, or its variables do not fit. */
  | "invalid"
  /** A persisted query sent by hash alone that this instance does not hold; the client resends it with its text. */
  | "unknown-persisted-query"
  /** A mutation or subscription over a transport that only carries queries (HTTP GET). */
  | "query-only"
  /** The gateway failed before it could run the operation; the cause is in the log. */
  | "internal";

/** One operation's answer as it goes on the wire. */
export interface Answer {
  /** The serialized result (`errors`, `data`, `extensions`), UTF-8. */
  readonly bytes: Buffer;
  /** Why the operation did not run; undefined when it ran (whatever errors its fields had). */
  readonly refusal: Refusal | undefined;
  /** The result as an object, when this call made it; an answer served from the answer cache has its bytes only. */
  readonly result: FormattedExecutionResult | undefined;
}

/** The answer of a result made here: fields in the order GraphQL over HTTP shows them. */
export function answerOf(result: FormattedExecutionResult, refusal?: Refusal): Answer {
  const ordered = { errors: result.errors, data: result.data, extensions: result.extensions };
  return { bytes: Buffer.from(JSON.stringify(ordered)), refusal, result: ordered };
}

/** The answer to an operation refused before it ran. The errors are the pipeline's own, already in their final form. */
export function refusedAnswer(errors: readonly GraphQLError[], refusal: Refusal, extensions?: Record<string, unknown>): Answer {
  return answerOf({ errors: errors.map((error) => error.toJSON()), extensions }, refusal);
}

/** The result an answer carries, made from its bytes when it was served from the answer cache. */
export function resultOf(answer: Answer): FormattedExecutionResult {
  return answer.result ?? (JSON.parse(answer.bytes.toString("utf8")) as FormattedExecutionResult);
}
