export { ActionService } from "./service.js";
export type { ActionServiceOptions, CallerActions, RerunRequest, TriggerRequest } from "./service.js";
export { ACTION_OUTCOMES } from "./audit.js";
export type { ActionOutcomeLabel, ActionStats } from "./audit.js";
export { ActionInputError, ActionOutcomeUnknownError, ActionUnreadError } from "./errors.js";
export { IDEMPOTENCY_TTL_MS } from "./idempotency.js";
export type { EffectTiming } from "./effects.js";
export type { IdempotencyTiming } from "./idempotency.js";
