import "reflect-metadata";
import { registerEnumType } from "type-graphql";

/**
 * GraphQL's spelling of CircleCI's enum values: upper-cased, with `-` as `_`. CircleCI adds values over time
 * (`terminated-unknown` arrived that way), so each enum also has `UNKNOWN`, which a client can handle today for
 * any value added tomorrow.
 */

export enum PipelineState {
  CREATED = "CREATED",
  ERRORED = "ERRORED",
  SETUP_PENDING = "SETUP_PENDING",
  SETUP = "SETUP",
  PENDING = "PENDING",
  UNKNOWN = "UNKNOWN",
}

export enum WorkflowStatus {
  SUCCESS = "SUCCESS",
  RUNNING = "RUNNING",
  NOT_RUN = "NOT_RUN",
  FAILED = "FAILED",
  ERROR = "ERROR",
  FAILING = "FAILING",
  ON_HOLD = "ON_HOLD",
  CANCELED = "CANCELED",
  UNAUTHORIZED = "UNAUTHORIZED",
  UNKNOWN = "UNKNOWN",
}

export enum JobType {
  BUILD = "BUILD",
  APPROVAL = "APPROVAL",
  UNKNOWN = "UNKNOWN",
}

export enum JobStatus {
  SUCCESS = "SUCCESS",
  RUNNING = "RUNNING",
  NOT_RUN = "NOT_RUN",
  FAILED = "FAILED",
  RETRIED = "RETRIED",
  QUEUED = "QUEUED",
  NOT_RUNNING = "NOT_RUNNING",
  INFRASTRUCTURE_FAIL = "INFRASTRUCTURE_FAIL",
  TIMEDOUT = "TIMEDOUT",
  ON_HOLD = "ON_HOLD",
  TERMINATED_UNKNOWN = "TERMINATED_UNKNOWN",
  BLOCKED = "BLOCKED",
  CANCELED = "CANCELED",
  UNAUTHORIZED = "UNAUTHORIZED",
  UNKNOWN = "UNKNOWN",
}

const UNKNOWN_VALUE = { UNKNOWN: { description: "A value CircleCI added after this gateway was built." } };

registerEnumType(PipelineState, {
  name: "PipelineState",
  description: "Where CircleCI is in turning a trigger into workflows (CircleCI's `state`).",
  valuesConfig: UNKNOWN_VALUE,
});
registerEnumType(WorkflowStatus, {
  name: "WorkflowStatus",
  description: "The status of a workflow run.",
  valuesConfig: UNKNOWN_VALUE,
});
registerEnumType(JobType, {
  name: "JobType",
  description: "A job that runs steps (`BUILD`) or one that waits for a person's approval (`APPROVAL`).",
  valuesConfig: UNKNOWN_VALUE,
});
registerEnumType(JobStatus, {
  name: "JobStatus",
  description: "The status of a job.",
  valuesConfig: UNKNOWN_VALUE,
});

/** `setup-pending` => `SETUP_PENDING`; a value the enum does not have => `UNKNOWN`. */
export function enumValueOf<Value extends string>(enumObject: Record<string, Value> & { UNKNOWN: Value }, circleciValue: string): Value {
  const name = circleciValue.toUpperCase().replaceAll("-", "_");
  return enumObject[name] ?? enumObject.UNKNOWN;
}
