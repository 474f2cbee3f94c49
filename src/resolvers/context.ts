import type { Loaders } from "../loaders/loaders.js";
import { ConfiguredProjects } from "../project-slug.js";

/** What every resolver receives: the request's loaders (its only way to data) and the configured projects. */
export interface GatewayContext {
  loaders: Loaders;
  /** `CIRCLECI_PROJECT_SLUGS`, in the configured order: the answer to `projects`. */
  projectSlugs: readonly string[];
}

/** One per list of configured slugs: the list lives as long as the server, the requests share it. */
const configured = new WeakMap<readonly string[], ConfiguredProjects>();

/**
 * A project slug from a query (or from a document, which holds the project's key) in the spelling the gateway asks
 * CircleCI with and shows: as configured for a configured project, as written for any other. The loaders key
 * every spelling of one project the same way, so this only decides what CircleCI is asked and what a user sees.
 */
export function projectSlugIn(context: GatewayContext, slug: string): string {
  let projects = configured.get(context.projectSlugs);
  if (projects === undefined) {
    projects = new ConfiguredProjects(context.projectSlugs);
    configured.set(context.projectSlugs, projects);
  }
  return projects.spelling(slug);
}
