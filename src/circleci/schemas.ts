import { z } from "zod";
import { projectKey } from "../project-slug.js";
import { openEnum } from "./open-enum.js";
import type { OpenEnum } from "./open-enum.js";

/**
 * The CircleCI resources the gateway reads, written from CircleCI's OpenAPI documents (v2, and the v1.1 write-up;
 * copies in test/fixtures). Field names stay as CircleCI sends them (snake_case): the store keeps CircleCI's
 * documents as they are, but for project slugs, which become the project's key (`projectKey`) so that every
 * spelling CircleCI answers with finds the same stored project.
 *
 * - A field is required (and non-null) only where the OpenAPI document says it is both required and not nullable;
 *   any other field may be absent or null, as the real API sends either. test/circleci/schemas-openapi.test.ts
 *   derives that rule from the documents and holds every schema here to it.
 * - Where the real API breaks its own document, the field is as lenient as the API is (`nullableDespiteSpec`).
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

/**
 * Required and non-null in the OpenAPI document, yet null or absent in real answers: a workflow job's and a job's
 * `started_at` before the job starts, and a pipeline's `vcs.provider_name`.
 */
function nullableDespiteSpec<T extends z.ZodType>(schema: T) {
  return schema.nullish();
}

/** A project slug in whatever spelling CircleCI answers with, kept as the project's key. */
const projectSlug = z.string().transform(projectKey);

/** `GET /me` */
export const userSchema = z.object({
  id: uuid,
  login: z.string(),
  name: z.string(),
  avatar_url: z.string().nullish(),
});
export type User = z.infer<typeof userSchema>;

/** `GET /project/{slug}` */
export const projectSchema = z.object({
  id: uuid,
  slug: projectSlug,
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
  project_slug: projectSlug,
  created_at: timestamp,
  updated_at: timestamp.nullish(),
  state: pipelineStates.schema,
  errors: z.array(z.object({ type: pipelineErrorTypes.schema, message: z.string() })),
  trigger: z.object({
    type: triggerTypes.schema,
    received_at: timestamp,
    actor: z.object({ login: z.string(), avatar_url: z.string().nullish() }),
  }),
  trigger_parameters: z.record(z.string(), z.unknown()).nullish(),
  vcs: z
    .object({
      provider_name: nullableDespiteSpec(z.string()),
      origin_repository_url: z.string(),
      target_repository_url: z.string(),
      revision: z.string().nullish(),
      branch: z.string().nullish(),
      tag: z.string().nullish(),
      review_id: z.string().nullish(),
      review_url: z.string().nullish(),
      commit: z.object({ subject: z.string().nullish(), body: z.string().nullish() }).nullish(),
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
  project_slug: projectSlug,
  status: workflowStatuses.schema,
  started_by: uuid,
  created_at: timestamp,
  stopped_at: timestamp.nullish(),
  canceled_by: uuid.nullish(),
  errored_by: uuid.nullish(),
  tag: z.string().nullish(),
  auto_rerun_number: int.nullish(),
  max_auto_reruns: int.nullish(),
});
export type Workflow = z.infer<typeof workflowSchema>;

/** `GET /workflow/{id}/job` items */
export const workflowJobSchema = z.object({
  id: uuid,
  name: z.string(),
  type: jobTypes.schema,
  status: jobStatuses.schema,
  project_slug: projectSlug,
  dependencies: z.array(uuid),
  started_at: nullableDespiteSpec(timestamp),
  stopped_at: timestamp.nullish(),
  job_number: int.nullish(),
  approval_request_id: uuid.nullish(),
  approved_by: uuid.nullish(),
  canceled_by: uuid.nullish(),
  requires: z.record(z.string(), z.array(z.string())).nullish(),
});
export type WorkflowJob = z.infer<typeof workflowJobSchema>;

/** `GET /project/{slug}/job/{job-number}` */
export const jobDetailsSchema = z.object({
  number: int,
  name: z.string(),
  status: jobStatuses.schema,
  web_url: z.string(),
  project: z.object({ id: uuid, slug: projectSlug, name: z.string(), external_url: z.string() }),
  organization: z.object({ name: z.string() }),
  pipeline: z.object({ id: uuid }),
  latest_workflow: z.object({ id: uuid, name: z.string() }),
  executor: z.object({ resource_class: z.string(), type: z.string().nullish() }),
  parallelism: int,
  parallel_runs: z.array(z.object({ index: int, status: z.string() })),
  created_at: timestamp,
  queued_at: timestamp,
  started_at: nullableDespiteSpec(timestamp),
  stopped_at: timestamp.nullish(),
  duration: int.nullish(),
  messages: z.array(z.object({ type: z.string(), message: z.string(), reason: z.string().nullish() })),
  contexts: z.array(z.object({ name: z.string() })),
});
export type JobDetails = z.infer<typeof jobDetailsSchema>;

/**
 * One parallel container's run of a step (v1.1, whose document marks nothing required: every field may be absent
 * or null). `output_url` is deliberately not part of it: it is a presigned URL that expires within minutes, so it
 * must never be stored.
 */
export const stepActionSchema = z.object({
  name: z.string().nullish(),
  index: int.nullish(),
  step: int.nullish(),
  type: z.string().nullish(),
  status: z.string().nullish(),
  bash_command: z.string().nullish(),
  exit_code: int.nullish(),
  start_time: timestamp.nullish(),
  end_time: timestamp.nullish(),
  run_time_millis: z.number().nullish(),
  background: z.boolean().nullish(),
  parallel: z.boolean().nullish(),
  has_output: z.boolean().nullish(),
  failed: z.boolean().nullish(),
  timedout: z.boolean().nullish(),
  infrastructure_fail: z.boolean().nullish(),
  truncated: z.boolean().nullish(),
});
export type StepAction = z.infer<typeof stepActionSchema>;

export const stepSchema = z.object({ name: z.string().nullish(), actions: z.array(stepActionSchema).nullish() });
export type Step = z.infer<typeof stepSchema>;

/** v1.1 `GET /project/{vcs}/{org}/{repo}/{build_num}`, reduced to the steps and the build's own state; nothing in it is required. */
export const jobStepsSchema = z.object({
  build_num: int.nullish(),
  lifecycle: buildLifecycles.schema.nullish(),
  outcome: buildOutcomes.schema.nullish(),
  status: z.string().nullish(),
  queued_at: timestamp.nullish(),
  start_time: timestamp.nullish(),
  stop_time: timestamp.nullish(),
  build_time_millis: z.number().nullish(),
  parallel: int.nullish(),
  steps: z.array(stepSchema).nullish(),
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
