/**
 * What a read depends on and what a write makes stale, named alike. The caches of the read path (the shared L1 and
 * the whole-answer cache) record the tags of everything an entry was built from, and the store's writer announces
 * the tags of every document and listing each write changed: an entry is evicted exactly when something it was
 * built from changed, never on a timer.
 *
 * A tag names one thing a reader can ask for. Documents are named by their CircleCI id; the ordered lists that link
 * them (a pipeline's workflows, a workflow's jobs, a project's pipeline listing) are named apart from the documents,
 * so a new workflow evicts its pipeline's list without evicting the pipeline.
 */
export type Tag = string;

export const tags = {
  /** A project's document (or its unreachable marker). */
  project: (slug: string): Tag => `project:${slug}`,
  pipeline: (id: string): Tag => `pipeline:${id}`,
  /** The ordered workflow list of a pipeline. */
  workflowsOf: (pipelineId: string): Tag => `workflowsOf:${pipelineId}`,
  workflow: (id: string): Tag => `workflow:${id}`,
  /** The ordered job list of a workflow. */
  jobsOf: (workflowId: string): Tag => `jobsOf:${workflowId}`,
  job: (id: string): Tag => `job:${id}`,
  /** A build job's details and steps, by project and job number. */
  jobRecord: (projectSlug: string, number: number): Tag => `jobRecord:${projectSlug}#${number}`,
  /** Every listing of a project's pipelines (each branch, each page): changed when a pipeline joins or leaves the project's index. */
  pipelineListing: (projectSlug: string): Tag => `pipelines:${projectSlug}`,
  /** The list of projects the store holds (the projects stream's): changed when a project joins it. */
  projectListing: "projects" as Tag,
  /**
   * The status board of a project's branch: every entry of it (one per workflow name). Changed when an entry is new
   * or changes, never on a timer.
   */
  board: (projectSlug: string, branch: string): Tag => `board:${projectSlug}:${branch}`,
  /** The branches a project's board has entries for: changed when a branch gets its first entry. */
  boardBranches: (projectSlug: string): Tag => `boardBranches:${projectSlug}`,
  /** A project's approval jobs on hold: changed when one goes on hold or stops waiting. */
  pendingApprovals: (projectSlug: string): Tag => `approvals:${projectSlug}`,
  contexts: "contexts" as Tag,
  syncStatus: "syncStatus" as Tag,
} as const;
