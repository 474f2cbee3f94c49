import type { CallerActions } from "../actions/index.js";
import type { Loaders } from "../loaders/loaders.js";

/** What every resolver receives: the request's loaders (its only way to data) and the configured projects. */
export interface GatewayContext {
  loaders: Loaders;
  /** `CIRCLECI_PROJECT_SLUGS`, in the configured order: the answer to `projects`. */
  projectSlugs: readonly string[];
  /** The actions on CircleCI, on behalf of the request's caller (the mutations). */
  actions: CallerActions;
}
