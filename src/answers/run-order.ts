import type { Workflow } from "../circleci/index.js";

/**
 * Where a workflow run stands among the runs of its name. CircleCI stamps workflows to the second, so
 * two runs (a rerun and its original, two pipelines pushed together) can share a `created_at`: the
 * pipeline number and then the id break the tie, so every answer orders runs the same way.
 */
export interface RunKey {
  id: string;
  /** Epoch ms of `created_at`. */
  createdAt: number;
  pipelineNumber: number;
}

/**
 * Epoch ms of an RFC 3339 timestamp. CircleCI sends seconds, milliseconds or microseconds depending on
 * the resource, so timestamps are compared as instants, never as text.
 */
export function instantOf(timestamp: string): number {
  return Date.parse(timestamp);
}

export function runKeyOf(workflow: Workflow): RunKey {
  return { id: workflow.id, createdAt: instantOf(workflow.created_at), pipelineNumber: workflow.pipeline_number };
}

/** Negative when `a` is the older run, positive when it is the newer, 0 only for the same run. */
export function compareRunKeys(a: RunKey, b: RunKey): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  if (a.pipelineNumber !== b.pipelineNumber) return a.pipelineNumber - b.pipelineNumber;
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1;
}

/** The workflows, oldest first. */
export function oldestFirst(workflows: readonly Workflow[]): Workflow[] {
  const keyed = workflows.map((workflow) => ({ workflow, key: runKeyOf(workflow) }));
  keyed.sort((a, b) => compareRunKeys(a.key, b.key));
  return keyed.map(({ workflow }) => workflow);
}

/**
 * When a finished run ended: its `stopped_at`, or its `created_at` when CircleCI left the stop out (a
 * run that ended the moment it was created, such as one that errored on its config).
 */
export function endedAt(workflow: Workflow): string {
  return workflow.stopped_at ?? workflow.created_at;
}
