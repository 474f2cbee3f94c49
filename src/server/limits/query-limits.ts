import { GraphQLError } from "graphql";

/** The largest operation the gateway executes; each bound is a setting (see `LIMIT_SETTINGS`). */
export interface QueryLimits {
  /** Deepest field nesting, counting the root fields as 1; introspection (`__schema`, `__type`) is not counted. */
  maxDepth: number;
  /** Aliased fields, counted in the operation as executed (a fragment spread twice counts twice). */
  maxAliases: number;
  /** Objects in the response, estimated before execution (see `measureOperation`) and counted during it (`CostMeter`). */
  maxCost: number;
  /** Lexical tokens of the document (comments excluded), checked before it is parsed. */
  maxTokens: number;
  /** Operations in one batched HTTP request (a JSON array). */
  maxBatch: number;
}

export type QueryLimitName = keyof QueryLimits;

/**
 * Generous for dashboards: the repository's operations and the full introspection query stay far below them, and
 * the cost admits a query of every field with one full page of pipelines per project (about 4.5 million objects by
 * the estimate; its real answers are far smaller).
 */
export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 12,
  maxAliases: 50,
  maxCost: 5_000_000,
  maxTokens: 5_000,
  maxBatch: 10,
};

/** Largest HTTP request body (and WebSocket message): express.json's own default; queries are a few KB. */
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024;
/** The environment variable that raises the body size limit. */
export const BODY_LIMIT_SETTING = "HTTP_MAX_BODY_BYTES";

/** The environment variable that raises each limit: every refusal names it. */
export const LIMIT_SETTINGS: Record<QueryLimitName, string> = {
  maxDepth: "GRAPHQL_MAX_DEPTH",
  maxAliases: "GRAPHQL_MAX_ALIASES",
  maxCost: "GRAPHQL_MAX_COST",
  maxTokens: "GRAPHQL_MAX_TOKENS",
  maxBatch: "GRAPHQL_MAX_BATCH",
};

const MEASURES: Record<QueryLimitName, string> = {
  maxDepth: "query depth",
  maxAliases: "query alias count",
  maxCost: "query cost",
  maxTokens: "query token count",
  maxBatch: "batch size",
};

/** What the client can do about it, besides asking for a higher limit. */
const REMEDIES: Record<QueryLimitName, string> = {
  maxDepth: "nest fewer levels",
  maxAliases: "use fewer aliases",
  maxCost: "ask for fewer items (a list counts by its `first`, or by the items it usually holds; nested lists multiply)",
  maxTokens: "send a shorter document",
  maxBatch: "send fewer operations per request",
};

/** A query limit exceeded: refused before execution. */
export const QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX";
/** A batched HTTP request with more operations than `maxBatch`. */
export const BATCH_TOO_LARGE = "BATCH_TOO_LARGE";

export interface LimitViolation {
  limit: QueryLimitName;
  measured: number;
  maximum: number;
}

/** The first limit `measured` exceeds, in the order of `limits`' keys; undefined when all hold. */
export function firstViolation(measured: Partial<Record<QueryLimitName, number>>, limits: QueryLimits): LimitViolation | undefined {
  for (const limit of Object.keys(measured) as QueryLimitName[]) {
    const value = measured[limit];
    if (value !== undefined && value > limits[limit]) return { limit, measured: value, maximum: limits[limit] };
  }
  return undefined;
}

/** "query depth 14 exceeds the maximum of 12 (GRAPHQL_MAX_DEPTH): nest fewer levels, or raise GRAPHQL_MAX_DEPTH". */
export function violationMessage({ limit, measured, maximum }: LimitViolation): string {
  const setting = LIMIT_SETTINGS[limit];
  return `${MEASURES[limit]} ${measured} exceeds the maximum of ${maximum} (${setting}): ${REMEDIES[limit]}, or raise ${setting}`;
}

/**
 * The GraphQL error a client reads: the message names the limit, and `extensions` carry the same facts for
 * programs. Transport-neutral: the HTTP layer adds its status.
 */
export function limitError(violation: LimitViolation): GraphQLError {
  return new GraphQLError(violationMessage(violation), {
    extensions: {
      code: violation.limit === "maxBatch" ? BATCH_TOO_LARGE : QUERY_TOO_COMPLEX,
      limit: LIMIT_SETTINGS[violation.limit],
      measured: violation.measured,
      maximum: violation.maximum,
    },
  });
}

/**
 * The error of each field that would have produced an object past `maximum` during execution: the estimate let the
 * operation through, but its data is larger than the estimate assumed.
 */
export function actualCostError(maximum: number): GraphQLError {
  const setting = LIMIT_SETTINGS.maxCost;
  return new GraphQLError(
    `query cost passed the maximum of ${maximum} (${setting}) during execution, as the data is larger than estimated: ${REMEDIES.maxCost}, or raise ${setting}`,
    { extensions: { code: QUERY_TOO_COMPLEX, limit: setting, maximum } },
  );
}
