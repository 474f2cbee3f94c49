/**
 * Child lists as the store can vouch for them. A list counts only when its parent document is stored
 * too (the sync writes children first): a stored pipeline with no workflow ids has none (an errored
 * pipeline), whereas no stored pipeline means the list is unknown (`undefined`, sent to CircleCI).
 * Each read is a constant number of store round trips whatever the batch size.
 */
import type { Workflow, WorkflowJob } from "../circleci/index.js";
import { compareScored, timestampScore } from "../store/order.js";
import type { Store } from "../store/store.js";

/** A pipeline's workflows in the store's order (oldest first, ties by id), for lists read from CircleCI. */
export function oldestFirst(workflows: readonly Workflow[]): Workflow[] {
  const scored = (workflow: Workflow) => ({ member: workflow.id, score: timestampScore(workflow.created_at) });
  return [...workflows].sort((a, b) => compareScored(scored(a), scored(b)));
}

export async function readWorkflowLists(store: Store, pipelineIds: readonly string[]): Promise<(Workflow[] | undefined)[]> {
  const [parents, idLists] = await Promise.all([store.getPipelines(pipelineIds), store.workflowIdsOf(pipelineIds)]);
  return resolveLists(parents, idLists, (ids) => store.getWorkflows(ids));
}

export async function readJobLists(store: Store, workflowIds: readonly string[]): Promise<(WorkflowJob[] | undefined)[]> {
  const [parents, idLists] = await Promise.all([store.getWorkflows(workflowIds), store.jobIdsOf(workflowIds)]);
  return resolveLists(parents, idLists, (ids) => store.getJobs(ids));
}

async function resolveLists<T extends { id: string }>(
  parents: readonly unknown[],
  idLists: readonly string[][],
  read: (ids: readonly string[]) => Promise<(T | undefined)[]>,
): Promise<(T[] | undefined)[]> {
  const vouched = idLists.map((ids, index) => (parents[index] === undefined ? undefined : ids));
  const ids = [...new Set(vouched.flatMap((list) => list ?? []))];
  const documents = ids.length === 0 ? [] : await read(ids);
  const byId = new Map(ids.map((id, index) => [id, documents[index]]));
  return vouched.map((list) => list?.flatMap((id) => byId.get(id) ?? []));
}
