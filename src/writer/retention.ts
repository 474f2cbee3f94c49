/**
 * What removing expired pipelines writes, in the store's terms. Pure: the writer does the reads.
 *
 * A board entry whose `latest` run is removed goes too: its workflow name has not run on that branch since the
 * window opened (`latest` is the newest run of the name). An entry whose `latest` stays keeps what it computed from
 * older runs (`lastFinished`, the success and failure marks): they are stored values, not links, so they hold
 * whatever is removed under them; `lastFinished`'s own pipeline and jobs then come from CircleCI like any history
 * older than the window.
 */
import type { BoardIndexEntry, BoardScope } from "../answers/index.js";
import { decodeDocument } from "../store/codec.js";
import { pipelineBranch } from "../store/order.js";
import type { StoredPipelineTree } from "../store/store.js";
import type { StoreWrite } from "../store/writes.js";

/** The write that removes a stored pipeline with its tree: job records go by the numbers of its build jobs. */
export function pipelineRemoval(projectSlug: string, tree: StoredPipelineTree): StoreWrite {
  const branch = tree.pipeline === undefined ? undefined : pipelineBranch(tree.pipeline);
  return {
    kind: "removePipeline",
    projectSlug,
    pipelineId: tree.id,
    ...(branch === undefined ? {} : { branch }),
    workflowIds: tree.workflows.map(({ id }) => id),
    jobIds: tree.jobs.map(({ id }) => id),
    jobNumbers: tree.jobs.flatMap((job) => (job.type === "build" && job.job_number != null ? [job.job_number] : [])),
  };
}

/** A board entry's place: a project's branch and a workflow name. */
export interface BoardEntryPlace extends BoardScope {
  workflowName: string;
}

/** The board entries the runs of these trees may be the latest of: one per branch and workflow name. */
export function boardEntriesOfTrees(projectSlug: string, trees: readonly StoredPipelineTree[]): BoardEntryPlace[] {
  const slots = new Map<string, BoardEntryPlace>();
  for (const { pipeline, workflows } of trees) {
    const branch = pipeline === undefined ? undefined : pipelineBranch(pipeline);
    if (branch === undefined) continue;
    for (const { name } of workflows) slots.set(JSON.stringify([branch, name]), { projectSlug, branch, workflowName: name });
  }
  return [...slots.values()];
}

/**
 * The removals of the entries (`texts`: the stored text of each place's entry, in order, as `boardEntryRefs` reads
 * them) whose latest run is among the removed workflows, each on the condition that it still holds what was read.
 */
export function boardRemovals(places: readonly BoardEntryPlace[], texts: readonly (string | undefined)[], removedWorkflowIds: ReadonlySet<string>): StoreWrite[] {
  return places.flatMap((place, index): StoreWrite[] => {
    const text = texts[index];
    const entry = decodeDocument<BoardIndexEntry>(text);
    if (text === undefined || entry === undefined || !removedWorkflowIds.has(entry.latest.id)) return [];
    return [{ kind: "removeBoardEntry", ...place, condition: { stored: text } }];
  });
}
