import { GraphQLISODateTime } from "type-graphql";

/**
 * Every instant of the API: an RFC 3339 date-time in UTC with milliseconds, whatever precision CircleCI sent
 * (seconds, milliseconds or microseconds). It is the scalar type-graphql maps `Date` to, named `DateTimeISO`, so
 * one scalar instance serves both explicit and inferred fields.
 */
export const DateTimeISO = GraphQLISODateTime;

/** Pipeline parameters: a JSON object of names to strings, numbers or booleans. */
export { GraphQLJSONObject as JSONObject } from "graphql-scalars";
