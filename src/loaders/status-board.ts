import { compareNames } from "../answers/by-name.js";
import type { BoardIndexEntry, BoardScope } from "../answers/index.js";
import type { StoredProject } from "../store/store.js";
import { LoaderInputError } from "./errors.js";
import type { Loaders } from "./loaders.js";
import { syncedProjects } from "./synced-projects.js";

/** Which boards: `statusBoard`'s arguments, and `/cc.xml`'s. */
export interface StatusBoardRequest {
  /** Default: every project the store holds. */
  projectSlugs?: readonly string[] | null;
  /** Default: each project's default branch. */
  branch?: string | null;
  /** Every branch the board has entries on. */
  allBranches?: boolean | null;
}

/**
 * The status board from the index the writer keeps (its entries as stored: `boardEntryOfIndex` gives the public ones): a constant number of store reads whatever the history (the
 * projects, the branches when all are asked for, then every board at once). Entries come by project (in the
 * order asked, else by slug), then branch, then workflow name. A project whose default branch is unknown (CircleCI
 * never showed its document) has no default board.
 */
export async function loadStatusBoard(loaders: Loaders, request: StatusBoardRequest): Promise<BoardIndexEntry[]> {
  if (request.allBranches === true && request.branch != null) {
    throw new LoaderInputError("pass either `branch` or `allBranches: true`, not both: `allBranches` already covers every branch");
  }
  const projects = await syncedProjects(loaders, request.projectSlugs);
  const branchLists = await Promise.all(projects.map((project) => branchesOf(loaders, project, request)));
  const scopes = projects.flatMap(({ slug }, index) => (branchLists[index] ?? []).map((branch): BoardScope => ({ projectSlug: slug, branch })));
  const boards = await loaders.board.loadMany(scopes);
  return boards.flatMap((board) => {
    if (board instanceof Error) throw board;
    return [...board].sort((a, b) => compareNames(a.workflowName, b.workflowName));
  });
}

async function branchesOf(loaders: Loaders, project: StoredProject, request: StatusBoardRequest): Promise<string[]> {
  if (request.allBranches === true) return [...(await loaders.boardBranches.load(project.slug))].sort(compareNames);
  const branch = request.branch ?? project.project?.vcs_info.default_branch;
  return branch == null ? [] : [branch];
}
