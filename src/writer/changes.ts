/**
 * The change events a write implies, from the stored document (read just before the write, which is then
 * written only if it is still what was read) and the one written. Pure, so "re-reading an unchanged entity
 * emits nothing" is a property of these functions rather than of the I/O around them.
 */
import type { Pipeline, Workflow, WorkflowJob } from "../circleci/index.js";
import type { ChangeEvent } from "../store/events.js";

export interface Revision<T> {
  stored: T | undefined;
  fetched: T;
}

export function pipelineChanges(projectSlug: string, revisions: readonly Revision<Pipeline>[]): ChangeEvent[] {
  return revisions
    .filter(({ stored }) => stored === undefined)
    .map(({ fetched }) => ({ type: "pipeline.created", projectSlug, pipeline: fetched }));
}

export function workflowChanges(projectSlug: string, revisions: readonly Revision<Workflow>[]): ChangeEvent[] {
  return revisions.flatMap(({ stored, fetched }): ChangeEvent[] =>
    statusChanged(stored, fetched)
      ? [{ type: "workflow.status_changed", projectSlug, workflow: fetched, previousStatus: stored?.status ?? null }]
      : [],
  );
}

export interface JobRevision extends Revision<WorkflowJob> {
  workflowId: string;
}

/**
 * A job listed under several workflows (a rerun carries it over) is one entity: it changes, and
 * is announced, once, under the first workflow that lists it.
 */
export function jobChanges(projectSlug: string, revisions: readonly JobRevision[]): ChangeEvent[] {
  const announced = new Set<string>();
  return revisions.flatMap(({ stored, fetched, workflowId }): ChangeEvent[] => {
    if (announced.has(fetched.id) || !statusChanged(stored, fetched)) return [];
    announced.add(fetched.id);
    return [{ type: "job.status_changed", projectSlug, workflowId, job: fetched, previousStatus: stored?.status ?? null }];
  });
}

function statusChanged(stored: { status: string } | undefined, fetched: { status: string }): boolean {
  return stored === undefined || stored.status !== fetched.status;
}

/**
 * Whether two documents hold the same data. Key order and keys set to `undefined` do not matter:
 * the store gives back JSON, which drops both.
 */
export function sameDocument(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => sameDocument(item, b[index]));
  }
  const left = definedEntries(a);
  const right = new Map(definedEntries(b));
  return left.length === right.size && left.every(([key, value]) => right.has(key) && sameDocument(value, right.get(key)));
}

function definedEntries(value: object): [string, unknown][] {
  return Object.entries(value).filter(([, inner]) => inner !== undefined);
}
