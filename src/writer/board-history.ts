/**
 * The stored runs a board entry is built again from: only when a run changed in a way no summary follows, and once
 * per project for a store filled before its board index existed. Everything else updates the index from the runs
 * written, without reading history.
 */
import type { Pipeline, Workflow } from "../circleci/index.js";
import type { Store } from "../store/store.js";

/** Pipelines read per round trip of a walk through history. */
const PAGE_SIZE = 500;

export interface StoredRuns {
  runs: Workflow[];
  pipelines: Map<string, Pipeline>;
}

/** Every run the store holds of a project, or of one of its branches, with their pipelines. */
export async function storedRuns(store: Store, projectSlug: string, branch?: string): Promise<StoredRuns> {
  const found: StoredRuns = { runs: [], pipelines: new Map() };
  let after: string | undefined;
  for (;;) {
    const page = await store.listPipelineIds(projectSlug, { branch, first: PAGE_SIZE, after });
    const [pipelines, workflows] = await Promise.all([store.getPipelines(page.ids), store.getWorkflowsOf(page.ids)]);
    for (const pipeline of pipelines) if (pipeline !== undefined) found.pipelines.set(pipeline.id, pipeline);
    for (const list of workflows) found.runs.push(...(list ?? []));
    if (!page.hasMore) return found;
    after = page.ids.at(-1);
  }
}
