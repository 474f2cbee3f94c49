import { z } from "zod";
import { openEnum } from "./open-enum.js";
import type { OpenEnum } from "./open-enum.js";

/**
 * The CircleCI resources the gateway reads, written from the OpenAPI documents
 * (test/fixtures/openapi-v2.json, openapi-v1.1.json) and API.md §4-§5. Field names stay as
 * CircleCI sends them (snake_case): the store keeps CircleCI's documents as they are.
 *
 * - Required fields are required; optional ones may be absent, and also `null` where the real API
 *   sends null despite the spec (API.md §5).
 * - Fields the schema does not know are dropped from the output, never an error.
 * - Enums are open (see open-enum.ts): a new CircleCI value is data, not a failure.
 * - Timestamps come in mixed precision (seconds, ms, µs): any RFC 3339 instant is accepted.
 */

const uuid = z.guid();
const timestamp = z.iso.datetime({ offset: true });
const int = z.int();

export const pipelineStates = openEnum(["created", "errored", "setup-pending", "setup", "pending"]);
export const pipelineErrorTypes = openEnum([
  "config",
  "invalid-trigger-setup",
  "config-fetch",
  "timeout",
  "permission",
  "other",
  "trigger-rule",
  "plan",
]);
export const triggerTypes = openEnum(["scheduled_pipeline", "explicit", "api", "webhook"]);
export const workflowStatuses = openEnum([
  "success",
  "running",
  "not_run",
  "failed",
  "error",
  "failing",
  "on_hold",
  "canceled",
  "unauthorized",
]);
export const jobTypes = openEnum(["build", "approval"]);
export const jobStatuses = openEnum([
  "success",
  "running",
  "not_run",
  "failed",
  "retried",
  "queued",
  "not_running",
  "infrastructure_fail",
  "timedout",
  "on_hold",
  "terminated-unknown",
  "blocked",
  "canceled",
  "unauthorized",
]);
export const vcsProviders = openEnum(["Bitbucket", "CircleCI", "GitHub"]);
export const buildLifecycles = openEnum(["queued", "not_run", "not_running", "running", "finished"]);
export const buildOutcomes = openEnum(["canceled", "infrastructure_fail", "timedout", "failed", "no_tests", "success"]);

export type PipelineState = OpenEnum<(typeof pipelineStates.known)[number]>;
export type TriggerType = OpenEnum<(typeof triggerTypes.known)[number]>;
export type WorkflowStatus = OpenEnum<(typeof workflowStatuses.known)[number]>;
export type JobType = OpenEnum<(typeof jobTypes.known)[number]>;
export type JobStatus = OpenEnum<(typeof jobStatuses.known)[number]>;

/** `GET /me` */
export const userSchema = z.object({
  id: uuid,
  login: z.string(),
  name: z.string(),
  avatar_url: z.string().nullable(),
});
export type User = z.infer<typeof userSchema>;

/** `GET /project/{slug}` */
export const projectSchema = z.object({
  id: uuid,
  slug: z.string(),
  name: z.string(),
  organization_name: z.string(),
  organization_slug: z.string(),
  organization_id: uuid,
  vcs_info: z.object({
    vcs_url: z.string(),
    provider: vcsProviders.schema,
    default_branch: z.string(),
  }),
});
export type Project = z.infer<typeof projectSchema>;

/** `GET /project/{slug}/pipeline` items and `GET /pipeline/{id}` */
export const pipelineSchema = z.object({
  id: uuid,
  number: int,
  project_slug: z.string(),
  created_at: timestamp,
  updated_at: timestamp.nullish(),
  state: pipelineStates.schema,
  errors: z.array(z.object({ type: pipelineErrorTypes.schema, message: z.string() })),
  trigger: z.object({
    type: triggerTypes.schema,
    received_at: timestamp,
    actor: z.object({ login: z.string(), avatar_url: z.string().nullable() }),
  }),
  trigger_parameters: z.record(z.string(), z.unknown()).optional(),
  vcs: z
    .object({
      provider_name: z.string(),
      origin_repository_url: z.string(),
      target_repository_url: z.string(),
      revision: z.string().nullable(),
      branch: z.string().optional(),
      tag: z.string().optional(),
      review_id: z.string().optional(),
      review_url: z.string().optional(),
      commit: z.object({ subject: z.string().nullable(), body: z.string().nullable() }).nullish(),
    })
    .nullish(),
});
export type Pipeline = z.infer<typeof pipelineSchema>;

/** `GET /pipeline/{id}/workflow` items and `GET /workflow/{id}`. A null `id` (ancient pipelines) fails here on purpose. */
export const workflowSchema = z.object({
  id: uuid,
  name: z.string(),
  pipeline_id: uuid,
  pipeline_number: int,
  project_slug: z.string(),
  status: workflowStatuses.schema,
  started_by: uuid,
  created_at: timestamp,
  stopped_at: timestamp.nullish(),
  canceled_by: uuid.optional(),
  errored_by: uuid.optional(),
  tag: z.string().nullish(),
  auto_rerun_number: int.optional(),
  max_auto_reruns: int.optional(),
});
export type Workflow = z.infer<typeof workflowSchema>;

/** `GET /workflow/{id}/job` items */
export const workflowJobSchema = z.object({
  id: uuid,
  name: z.string(),
  type: jobTypes.schema,
  status: jobStatuses.schema,
  project_slug: z.string(),
  dependencies: z.array(uuid),
  started_at: timestamp.nullish(),
  stopped_at: timestamp.nullish(),
  job_number: int.nullish(),
  approval_request_id: uuid.optional(),
  approved_by: uuid.optional(),
  canceled_by: uuid.optional(),
  requires: z.record(z.string(), z.array(z.string())).optional(),
});
export type WorkflowJob = z.infer<typeof workflowJobSchema>;

/** `GET /project/{slug}/job/{job-number}` */
export const jobDetailsSchema = z.object({
  number: int,
  name: z.string(),
  status: jobStatuses.schema,
  web_url: z.string(),
  project: z.object({ id: uuid, slug: z.string(), name: z.string(), external_url: z.string() }),
  organization: z.object({ name: z.string() }),
  pipeline: z.object({ id: uuid }),
  latest_workflow: z.object({ id: uuid, name: z.string() }),
  executor: z.object({ resource_class: z.string(), type: z.string().optional() }),
  parallelism: int,
  parallel_runs: z.array(z.object({ index: int, status: z.string() })),
  created_at: timestamp,
  queued_at: timestamp,
  started_at: timestamp.nullish(),
  stopped_at: timestamp.nullish(),
  duration: int.nullable(),
  messages: z.array(z.object({ type: z.string(), message: z.string(), reason: z.string().optional() })),
  contexts: z.array(z.object({ name: z.string() })),
});
export type JobDetails = z.infer<typeof jobDetailsSchema>;

/**
 * One parallel container's run of a step (v1.1). `output_url` is deliberately not part of it: it
 * is a presigned URL that expires within minutes, so it must never be stored.
 */
export const stepActionSchema = z.object({
  name: z.string(),
  index: int,
  step: int.optional(),
  type: z.string().optional(),
  status: z.string().nullish(),
  bash_command: z.string().nullish(),
  exit_code: int.nullish(),
  start_time: timestamp.nullish(),
  end_time: timestamp.nullish(),
  run_time_millis: z.number().nullish(),
  background: z.boolean().optional(),
  parallel: z.boolean().optional(),
  has_output: z.boolean().optional(),
  failed: z.boolean().nullish(),
  timedout: z.boolean().nullish(),
  infrastructure_fail: z.boolean().nullish(),
  truncated: z.boolean().nullish(),
});
export type StepAction = z.infer<typeof stepActionSchema>;

export const stepSchema = z.object({ name: z.string(), actions: z.array(stepActionSchema) });
export type Step = z.infer<typeof stepSchema>;

/** v1.1 `GET /project/{vcs}/{org}/{repo}/{build_num}`, reduced to the steps and the build's own state. */
export const jobStepsSchema = z.object({
  build_num: int,
  lifecycle: buildLifecycles.schema.nullish(),
  outcome: buildOutcomes.schema.nullish(),
  status: z.string().nullish(),
  queued_at: timestamp.nullish(),
  start_time: timestamp.nullish(),
  stop_time: timestamp.nullish(),
  build_time_millis: z.number().nullish(),
  parallel: int.nullish(),
  steps: z.array(stepSchema),
});
export type JobSteps = z.infer<typeof jobStepsSchema>;

/** `GET /context` items */
export const contextSchema = z.object({ id: uuid, name: z.string(), created_at: timestamp });
export type Context = z.infer<typeof contextSchema>;

/** `GET /context/{id}/environment-variable` items: names only, CircleCI never returns values. */
export const contextEnvVarSchema = z.object({
  variable: z.string(),
  context_id: uuid,
  created_at: timestamp,
  updated_at: timestamp,
});
export type ContextEnvVar = z.infer<typeof contextEnvVarSchema>;

/**
 * `GET /project/{slug}/{job-number}/tests` items: the results a build job stored. Every field is required
 * and only `message` may be null (a passing test has none). `result` is free text (`success`,
 * `failure`, `skipped`, `error`, ...), and `run_time` is in seconds.
 */
export const testResultSchema = z.object({
  message: z.string().nullish(),
  source: z.string(),
  run_time: z.number(),
  file: z.string(),
  result: z.string(),
  name: z.string(),
  classname: z.string(),
});
export type TestResult = z.infer<typeof testResultSchema>;

/**
 * The envelope of every paged list, checked before its items so that one bad item costs only
 * itself. `next_page_token` absent is the same as null: the last page (API.md §2).
 */
export const pageEnvelopeSchema = z.object({
  items: z.array(z.unknown()),
  next_page_token: z.string().nullish(),
});
export type PageEnvelope = z.infer<typeof pageEnvelopeSchema>;

/** CircleCI's error body: `{"message": "..."}`. */
export const errorBodySchema = z.object({ message: z.string() });
