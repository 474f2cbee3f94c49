import type { StoredProject } from "../store/store.js";
import { projectKey } from "../project-slug.js";
import type { Loaders } from "./loaders.js";

/**
 * The projects an answer covers, as the store holds them: those named (in any spelling, each once, in the order given; one the store
 * does not hold is left out, as nothing is synced for it), or every project the store holds when none is named.
 */
export async function syncedProjects(loaders: Loaders, projectSlugs: readonly string[] | null | undefined): Promise<StoredProject[]> {
  if (projectSlugs == null) return loaders.storedProjects();
  const slugs = [...new Set(projectSlugs.map(projectKey))];
  const projects = await loaders.storedProject.loadMany(slugs);
  return projects.flatMap((project) => {
    if (project instanceof Error) throw project;
    return project === null ? [] : [project];
  });
}
