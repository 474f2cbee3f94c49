/**
 * The status board index as the writer keeps it: one entry per project, branch and workflow name, updated from each
 * written workflow run (`updateBoardIndexEntry`) on the condition that the entry still holds what was read, so
 * concurrent writers never lose each other's runs. A run belongs to the board of the branch its pipeline built; a
 * tag pipeline's runs (and those of a pipeline not tied to a commit) belong to no branch's board, as a tag pipeline
 * belongs to no branch's pipeline listing. Pure: the writer does the reads.
 */
import { boardEntryOfIndex, boardIndexOf, updateBoardIndexEntry } from "../answers/index.js";
import { groupByName } from "../answers/by-name.js";
import type { BoardEntry, BoardIndexEntry, BoardScope } from "../answers/index.js";
import type { Pipeline, Workflow } from "../circleci/index.js";
import { decodeDocument } from "../store/codec.js";
import { pipelineBranch } from "../store/order.js";
import type { DocumentRef, StoreWrite, WriteCondition } from "../store/writes.js";
import { sameDocument } from "./changes.js";

/** The workflow runs a write touches on one board entry. */
export interface BoardSlot extends BoardScope {
  workflowName: string;
  runs: Workflow[];
}

/** An entry a write changes: the write, and the public entry before (none when new) and after. */
export interface BoardChange {
  write: StoreWrite;
  before: BoardEntry | undefined;
  after: BoardEntry;
}

/** An entry whose run changed in a way no summary follows: it is built again from the stored history. */
export interface BoardRebuild {
  slot: BoardSlot;
  condition: WriteCondition;
  stored: BoardIndexEntry | undefined;
}

/**
 * The board entries that written runs touch, by branch and workflow name. `pipelineOf` finds each run's pipeline;
 * a run whose pipeline is unknown, or built no branch, is on no board.
 */
export function boardSlotsOf(projectSlug: string, runs: readonly Workflow[], pipelineOf: (id: string) => Pipeline | undefined): BoardSlot[] {
  const slots = new Map<string, BoardSlot>();
  for (const run of runs) {
    const branch = branchOfRun(run, pipelineOf);
    if (branch === undefined) continue;
    const key = JSON.stringify([branch, run.name]);
    const slot = slots.get(key);
    if (slot === undefined) slots.set(key, { projectSlug, branch, workflowName: run.name, runs: [run] });
    else slot.runs.push(run);
  }
  return [...slots.values()];
}

/** The cursor that marks a project's board index as built (see `SyncWriter.buildBoardIndex`). */
export function boardIndexCursorName(projectSlug: string): string {
  return `board-index:${projectSlug}`;
}

/** What the mark holds: the index's layout, so that a later layout can be built anew. */
export const BOARD_INDEX_VERSION = "1";

/** The stored entries of these boards' names, in order. */
export function boardEntryRefs(slots: readonly (BoardScope & { workflowName: string })[]): DocumentRef[] {
  return slots.map(({ projectSlug, branch, workflowName }) => ({ kind: "boardEntry", projectSlug, branch, workflowName }));
}

/** Each slot's entry after its runs, from the stored texts (in the order of `boardEntryRefs`). */
export function boardUpdates(slots: readonly BoardSlot[], texts: readonly (string | undefined)[]): { changes: BoardChange[]; rebuilds: BoardRebuild[] } {
  const changes: BoardChange[] = [];
  const rebuilds: BoardRebuild[] = [];
  slots.forEach((slot, index) => {
    const text = texts[index];
    const stored = decodeDocument<BoardIndexEntry>(text);
    const condition = conditionOf(text);
    let entry = stored;
    for (const run of slot.runs) {
      const update = updateBoardIndexEntry(slot, entry, run);
      if (update.kind === "rebuild") {
        rebuilds.push({ slot, condition, stored });
        return;
      }
      entry = update.entry;
    }
    const change = entry === undefined ? undefined : boardChange(stored, entry, condition);
    if (change !== undefined) changes.push(change);
  });
  return { changes, rebuilds };
}

/**
 * The entry of a rebuilt slot from the name's stored runs on its branch, the slot's own runs taking the place of
 * what the store held of them.
 */
export function rebuiltBoardEntry(rebuild: BoardRebuild, history: readonly Workflow[]): BoardChange | undefined {
  const { slot } = rebuild;
  const written = new Set(slot.runs.map((run) => run.id));
  const runs = [...history.filter((run) => run.name === slot.workflowName && !written.has(run.id)), ...slot.runs];
  const [entry] = boardIndexOf(slot, runs);
  return entry === undefined ? undefined : boardChange(rebuild.stored, entry, rebuild.condition);
}

/** The entries of every board of a project from its stored runs, each placed by its pipeline: what an index built anew holds. */
export function boardIndexOfProject(projectSlug: string, runs: readonly Workflow[], pipelineOf: (id: string) => Pipeline | undefined): BoardIndexEntry[] {
  const placed = runs.flatMap((run) => {
    const branch = branchOfRun(run, pipelineOf);
    return branch === undefined ? [] : [{ branch, run }];
  });
  return groupByName(placed, ({ branch }) => branch).flatMap(([branch, onBranch]) => boardIndexOf({ projectSlug, branch }, onBranch.map(({ run }) => run)));
}

function branchOfRun(run: Workflow, pipelineOf: (id: string) => Pipeline | undefined): string | undefined {
  const pipeline = pipelineOf(run.pipeline_id);
  return pipeline === undefined ? undefined : pipelineBranch(pipeline);
}

export function conditionOf(text: string | undefined): WriteCondition {
  return text === undefined ? { absent: true } : { stored: text };
}

/** The write of `entry` over what the store holds, when it differs. */
export function boardChange(stored: BoardIndexEntry | undefined, entry: BoardIndexEntry, condition: WriteCondition): BoardChange | undefined {
  if (sameDocument(stored, entry)) return undefined;
  return {
    write: { kind: "boardEntry", entry, condition },
    before: stored === undefined ? undefined : boardEntryOfIndex(stored),
    after: boardEntryOfIndex(entry),
  };
}
