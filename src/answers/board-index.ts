import type { Workflow } from "../circleci/index.js";
import type { BoardEntry, BoardScope } from "./board.js";
import { compareNames } from "./by-name.js";
import { workflowOutcome } from "./run-outcome.js";
import type { RunOutcome } from "./run-outcome.js";
import { compareRunKeys, endedAt, oldestFirst, runKeyOf } from "./run-order.js";
import type { RunKey } from "./run-order.js";

/** A finished run as the index remembers it: where it stands among the runs, and when it ended. */
export interface RunMark extends RunKey {
  endedAt: string;
}

/**
 * What a writer keeps per project, branch and workflow name so that each changed workflow updates the
 * board entry exactly (the same entry `boardOf` gives for every run seen so far, whatever order the runs
 * arrive in, late and repeated ones included) without reading the name's history again.
 */
export interface BoardIndexEntry extends BoardScope {
  workflowName: string;
  latest: Workflow;
  lastFinished: Workflow | null;
  lastSuccess: RunMark | null;
  /** The newest finished run that did not fail: the run just before the current failure streak. */
  lastNonFailure: RunMark | null;
  /**
   * Every finished run newer than `lastNonFailure`, oldest first. All of them failed; empty unless
   * `lastFinished` failed. Its length is the number of failures since the name last finished any other way.
   */
  failureStreak: RunMark[];
}

export type BoardIndexUpdate =
  | { kind: "updated"; entry: BoardIndexEntry }
  /**
   * The run changed in a way no summary can follow: it had finished and now reads as live, or a finished run
   * changed between failed, succeeded and other. CircleCI never does this (a rerun is a new workflow), so
   * it means a correction: rebuild the entry from the name's history with `boardIndexOf`.
   */
  | { kind: "rebuild"; reason: string };

/**
 * The entry after one run of `scope` was written (new or changed), from the entry kept so far (undefined
 * for the name's first run). Runs may come in any order and more than once.
 */
export function updateBoardIndexEntry(scope: BoardScope, entry: BoardIndexEntry | undefined, workflow: Workflow): BoardIndexUpdate {
  if (entry !== undefined && entry.workflowName !== workflow.name) {
    throw new RangeError(`the board entry of workflow "${entry.workflowName}" cannot take a run of "${workflow.name}"`);
  }
  const outcome = workflowOutcome(workflow.status);
  const conflict = entry === undefined ? undefined : conflictOf(entry, workflow, outcome);
  if (conflict !== undefined) return { kind: "rebuild", reason: conflict };

  const base: BoardIndexEntry = entry ?? {
    ...scope,
    workflowName: workflow.name,
    latest: workflow,
    lastFinished: null,
    lastSuccess: null,
    lastNonFailure: null,
    failureStreak: [],
  };
  const key = runKeyOf(workflow);
  const latest = compareRunKeys(key, runKeyOf(base.latest)) >= 0 ? workflow : base.latest;
  if (outcome === "live") return { kind: "updated", entry: { ...base, latest } };

  const mark: RunMark = { ...key, endedAt: endedAt(workflow) };
  const isNewerOrSame = (than: RunKey | null) => than === null || compareRunKeys(key, than) >= 0;
  const lastFinished = base.lastFinished === null || isNewerOrSame(runKeyOf(base.lastFinished)) ? workflow : base.lastFinished;
  const lastSuccess = outcome === "success" && isNewerOrSame(base.lastSuccess) ? mark : base.lastSuccess;
  let { lastNonFailure, failureStreak } = base;
  if (outcome === "failed") {
    // A failure older than the last non-failure is history before the streak: it changes nothing.
    if (lastNonFailure === null || compareRunKeys(key, lastNonFailure) > 0) failureStreak = withMark(failureStreak, mark);
  } else if (isNewerOrSame(lastNonFailure)) {
    // The streak now starts after this run: failures older than it no longer belong to it.
    lastNonFailure = mark;
    failureStreak = failureStreak.filter((failure) => compareRunKeys(failure, key) > 0);
  }
  return { kind: "updated", entry: { ...base, latest, lastFinished, lastSuccess, lastNonFailure, failureStreak } };
}

/** The index entries of one project and branch from its runs, by workflow name: what a rebuild writes. */
export function boardIndexOf(scope: BoardScope, workflows: readonly Workflow[]): BoardIndexEntry[] {
  const latestVersions = new Map(workflows.map((workflow) => [workflow.id, workflow]));
  const entries = new Map<string, BoardIndexEntry>();
  for (const workflow of oldestFirst([...latestVersions.values()])) {
    // One version per run, so no run can contradict an earlier version of itself: every update applies.
    const update = updateBoardIndexEntry(scope, entries.get(workflow.name), workflow);
    if (update.kind === "updated") entries.set(workflow.name, update.entry);
  }
  return [...entries.values()].sort((a, b) => compareNames(a.workflowName, b.workflowName));
}

/** The public board entry an index entry stands for. */
export function boardEntryOfIndex(entry: BoardIndexEntry): BoardEntry {
  return {
    projectSlug: entry.projectSlug,
    branch: entry.branch,
    workflowName: entry.workflowName,
    latest: entry.latest,
    lastFinished: entry.lastFinished,
    lastSuccessAt: entry.lastSuccess?.endedAt ?? null,
    failingSince: entry.failureStreak[0]?.endedAt ?? null,
  };
}

function conflictOf(entry: BoardIndexEntry, workflow: Workflow, outcome: RunOutcome): string | undefined {
  const { id, status } = workflow;
  if (entry.lastSuccess?.id === id && outcome !== "success") return `workflow ${id} had succeeded and now reads ${status}`;
  if (entry.lastNonFailure?.id === id && (outcome === "failed" || outcome === "live")) {
    return `workflow ${id} had finished without failing and now reads ${status}`;
  }
  if (outcome !== "failed" && entry.failureStreak.some((failure) => failure.id === id)) {
    return `workflow ${id} had failed and now reads ${status}`;
  }
  return undefined;
}

/** The streak with `mark` in its place by run order, replacing an earlier mark of the same run. */
function withMark(streak: readonly RunMark[], mark: RunMark): RunMark[] {
  const others = streak.filter((failure) => failure.id !== mark.id);
  const at = others.findIndex((failure) => compareRunKeys(failure, mark) > 0);
  return at < 0 ? [...others, mark] : [...others.slice(0, at), mark, ...others.slice(at)];
}
