import type { Step, TestResult } from "../../circleci/index.js";
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

/** What is kept of a test result: what `mapTestResults` serves and the flaky rule reads (not `source`). */
const testResultShape: Shape = ["name", "classname", "file", "result", "message", "run_time"];

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

/** Steps and test results absent stay apart from empty lists: absent means not read yet. */
export function packJobRecord(record: JobRecord): unknown[] {
  const packed: unknown[] = [
    record.projectSlug,
    record.number,
    pack(jobDetailsShape, record.details),
    record.steps?.map(packStep) ?? null,
    record.tests?.map((test) => pack(testResultShape, test)) ?? null,
  ];
  while (packed.at(-1) === null) packed.pop();
  return packed;
}

export function unpackJobRecord([projectSlug, number, details, steps, tests]: unknown[]): JobRecord {
  const record = { projectSlug, number, details: unpack(jobDetailsShape, details as unknown[]) } as JobRecord;
  if (steps != null) record.steps = (steps as unknown[][]).map(unpackStep);
  if (tests != null) record.tests = (tests as unknown[][]).map((test) => unpack(testResultShape, test) as TestResult);
  return record;
}
