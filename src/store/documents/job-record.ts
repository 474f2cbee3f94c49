import type { Step } from "../../circleci/index.js";
import type { JobRecord } from "../store.js";
import { pack, unpack } from "./positional.js";
import type { Shape } from "./positional.js";

/**
 * What is kept of a job's details: everything `mapJobDetail` serves and the job insights read (`queued_at`,
 * `started_at`), and `latest_workflow.id`, by which the sync tells that a rerun carried the job on. Not the
 * project and organization (the record's key names the project), `latest_workflow.name`, nor `parallel_runs`.
 */
export const jobDetailsShape: Shape = [
  "number",
  "name",
  "status",
  "web_url",
  ["pipeline", ["id"]],
  ["latest_workflow", ["id"]],
  ["executor", ["resource_class", "type"]],
  "parallelism",
  "created_at",
  "queued_at",
  "started_at",
  "stopped_at",
  "duration",
  ["messages", ["type", "message", "reason"], "list"],
  ["contexts", ["name"], "list"],
];

/**
 * What is kept of a step's action: what `mapStep` serves. The v1.1 action's other dozen fields (its command, its
 * flags, its output's presence) were most of a record's bytes, and nothing reads them.
 */
const actionShape: Shape = ["index", "status", "exit_code", "start_time", "end_time", "run_time_millis"];

/** The record's own fields; any other (a later addition to `JobRecord`) is kept whole, as JSON, after them. */
const RECORD_FIELDS: ReadonlySet<string> = new Set(["projectSlug", "number", "details", "steps"]);

/**
 * A step with the fallbacks `mapStep` applies already applied: its name (else its first named action's, else
 * empty) and each action's index (else its position), so an action's own name need not be kept.
 */
function packStep(step: Step): unknown[] {
  const actions = step.actions ?? [];
  const name = step.name ?? actions.find((action) => action.name != null)?.name ?? "";
  return [name, actions.map((action, position) => pack(actionShape, { ...action, index: action.index ?? position }))];
}

function unpackStep([name, actions]: unknown[]): Step {
  return { name: name as string, actions: (actions as unknown[][]).map((action) => unpack(actionShape, action)) };
}

export function packJobRecord(record: JobRecord): unknown[] {
  const extra = Object.keys(record)
    .filter((key) => !RECORD_FIELDS.has(key) && (record as unknown as Record<string, unknown>)[key] !== undefined)
    .sort();
  const packed: unknown[] = [record.projectSlug, record.number, pack(jobDetailsShape, record.details), record.steps?.map(packStep) ?? null];
  if (extra.length > 0) packed.push(Object.fromEntries(extra.map((key) => [key, (record as unknown as Record<string, unknown>)[key]])));
  else if (packed[3] === null) packed.pop();
  return packed;
}

export function unpackJobRecord([projectSlug, number, details, steps, extra]: unknown[]): JobRecord {
  const record = { ...(extra as object | undefined), projectSlug, number, details: unpack(jobDetailsShape, details as unknown[]) } as JobRecord;
  if (steps != null) record.steps = (steps as unknown[][]).map(unpackStep);
  return record;
}
