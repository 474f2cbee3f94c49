import type { DocumentNode, ExecutionResult, GraphQLError, GraphQLSchema, OperationDefinitionNode, OperationTypeNode } from "graphql";

/** An operation the pipeline has parsed, validated and resolved in its document. */
export interface ResolvedOperation {
  readonly schema: GraphQLSchema;
  /** The document's text. */
  readonly source: string;
  readonly document: DocumentNode;
  /** The definition that runs. */
  readonly definition: OperationDefinitionNode;
  /** As the client sent them (not yet coerced). */
  readonly variables: Readonly<Record<string, unknown>> | undefined;
}

/** How an answered operation ended, for whoever measures it. */
export interface OperationEnd {
  /** Undefined when it was refused before its type was known (a syntax error, an unknown persisted query). */
  readonly operationType: OperationTypeNode | undefined;
  /** `error` when it was refused, or any of its fields failed. */
  readonly outcome: "ok" | "error";
}

/** Why `checkOperation` refuses an operation, and what the refusal's answer adds to its `extensions`. */
export interface OperationRefusal {
  readonly error: GraphQLError;
  readonly extensions?: Record<string, unknown>;
}

/** Watches one execution. */
export interface ExecutionWatcher {
  /** What to add to the result's `extensions` once it ended (e.g. what the operation cost); undefined adds nothing. */
  extensions?(result: ExecutionResult): Record<string, unknown> | undefined;
}

/**
 * One rule of the pipeline, at the stages it needs, in this order for every operation over every transport:
 *
 * 1. `onOperation`: an operation arrived (queries and mutations; a subscription only when it is refused, since an
 *    open subscription is not a request with an end).
 * 2. `checkSource`: its text is known (its own, or the persisted query's), before it is parsed.
 * 3. `checkOperation`: it is parsed, valid and resolved in its document, before its variables are coerced.
 * 4. `onExecute`: it is about to execute with `context` (each event of a subscription too): the place to create a
 *    per-execution meter, read by the returned watcher's `extensions` when the execution ends.
 *
 * An answer served from the answer cache passes stage 1 only: it ran, and passed 2 and 3, when it was made.
 * A check that returns an error refuses the operation with it (HTTP 400): the error carries its own code; a
 * refusal by `checkOperation` may add to the answer's `extensions` (what the refused operation would have cost).
 */
export interface OperationPlugin<TContext> {
  onOperation?(): ((end: OperationEnd) => void) | undefined;
  checkSource?(source: string): GraphQLError | undefined;
  checkOperation?(operation: ResolvedOperation): OperationRefusal | undefined;
  onExecute?(execution: { readonly operation: ResolvedOperation; readonly context: TContext }): ExecutionWatcher | undefined;
}
