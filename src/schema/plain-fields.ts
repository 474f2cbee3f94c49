/**
 * Every object type's options start with these. Without them type-graphql wraps each plain property field in a
 * resolver of its own (an object and a closure per field per answer, for middlewares this service does not use):
 * with them graphql-js reads the property itself. Fields with a `@FieldResolver` keep theirs.
 */
export const PLAIN_FIELDS = { simpleResolvers: true } as const;
