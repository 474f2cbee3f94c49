import type { Pipeline, Workflow, WorkflowJob } from "../../src/circleci/index.js";
import type { JobRecord } from "../../src/store/store.js";
import type { StoreWriter, TreeCounts } from "../../src/writer/index.js";

/** Documents of one project, as the sync would have fetched them. */
export interface FetchedDocuments {
  pipelines?: readonly Pipeline[];
  workflows?: readonly Workflow[];
  jobLists?: ReadonlyMap<string, readonly WorkflowJob[]>;
  jobRecords?: readonly JobRecord[];
}

/**
 * Stores documents through the writer as a sync cycle without a lease would commit them (its rules included),
 * announcing nothing: for tests that set what the store holds.
 */
export function commitAsSync(writer: StoreWriter, projectSlug: string, documents: FetchedDocuments): Promise<TreeCounts> {
  return writer.forSync(undefined).commitPipelineTrees({
    projectSlug,
    pipelines: documents.pipelines ?? [],
    workflows: documents.workflows ?? [],
    jobLists: documents.jobLists ?? new Map(),
    jobRecords: documents.jobRecords ?? [],
    active: { add: [], remove: [] },
    announce: false,
  });
}
