/**
 * The `extensions.code` of every error the pipeline itself makes: the codes Apollo Server gave and clients written
 * for it switch on, kept so those clients keep working.
 */
export const GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED";
export const GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED";
/** What the client sent is wrong in a way only the client can fix: a variable's value, a field's argument. */
export const BAD_USER_INPUT = "BAD_USER_INPUT";
/** The request is not a GraphQL request: no query, a field of the wrong type, a method the endpoint does not answer. */
export const BAD_REQUEST = "BAD_REQUEST";
/** The document holds no operation the request names (several and none named, or a name it lacks). */
export const OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE";
/** An automatic persisted query sent by hash alone that this instance does not hold: the client sends the text once. */
export const PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND";
/** Anything the gateway did not expect: the client sees this code and a fixed message, the log has the cause. */
export const INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR";
