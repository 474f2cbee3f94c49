export { checkBatch, checkOperation, checkSource } from "./check.js";
export { countTokens } from "./count-tokens.js";
export { LIST_SIZE_ESTIMATE, measureOperation } from "./measure-operation.js";
export type { OperationMeasures } from "./measure-operation.js";
export { BATCH_TOO_LARGE, BODY_LIMIT_SETTING, DEFAULT_MAX_BODY_BYTES, DEFAULT_QUERY_LIMITS, firstViolation, LIMIT_SETTINGS, limitError, QUERY_TOO_COMPLEX, violationMessage } from "./query-limits.js";
export type { LimitViolation, QueryLimitName, QueryLimits } from "./query-limits.js";
