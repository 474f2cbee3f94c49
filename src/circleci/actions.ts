/**
 * CircleCI's write endpoints as requests: where each goes, the body it sends (only the options
 * given, in CircleCI's field names), what it is in words, and the schema of its answer. Pure: the
 * client sends them, at most once once they may have arrived.
 */
import type { z } from "zod";
import { definedOnly } from "../defined-only.js";
import { actionMessageSchema, pipelineCreationSchema, pipelineRunSchema, workflowRerunSchema } from "./action-schemas.js";
import type { ActionMessage, PipelineCreation, WorkflowRerun } from "./action-schemas.js";
import { missingProject as project, missingResource, writeRoute } from "./route.js";
import type { Missing, WriteRoute } from "./route.js";

/** Pipeline parameters as the classic trigger takes them: at most 100, names up to 128 and values up to 512 characters. */
export type PipelineParameters = Record<string, string | number | boolean>;

export interface TriggerOptions {
  /** Mutually exclusive with `tag`; neither: the project's default branch. `pull/<n>/head` works on GitHub. */
  branch?: string;
  tag?: string;
  parameters?: PipelineParameters;
}

/** A git ref: a branch or a tag, not both. */
export interface GitRef {
  branch?: string;
  tag?: string;
}

export interface RunPipelineOptions {
  /** The pipeline definition (Project Settings > Pipelines); CircleCI's default when absent. */
  definitionId?: string;
  /** Where the config file is read from. */
  config?: GitRef;
  /** What a checkout step checks out: the code the pipeline runs on. */
  checkout?: GitRef;
  parameters?: Record<string, unknown>;
}

export interface RerunOptions {
  /** Only the jobs that did not succeed, and what depends on them. Mutually exclusive with `jobIds`. */
  fromFailed?: boolean;
  /** These jobs (ids from the workflow's job list), and what depends on them. */
  jobIds?: string[];
  /** SSH access to the rerun jobs; needs `jobIds`. */
  enableSsh?: boolean;
  /** CircleCI's optimisation for workflows with disconnected subgraphs; needs `jobIds`. */
  sparseTree?: boolean;
}

export interface ActionRequest<T> {
  route: WriteRoute;
  /** `undefined`: a POST without a body. */
  body: unknown;
  schema: z.ZodType<T>;
}

/** The classic trigger. It does not take GitHub App or GitLab projects: those need `runPipelineRequest`. */
export function triggerPipelineRequest(slug: string, options: TriggerOptions): ActionRequest<PipelineCreation> {
  const { branch, tag, parameters } = options;
  return {
    route: writeRoute("/project/{slug}/pipeline", { slug }, project(slug), triggering(slug)),
    body: definedOnly({ branch, tag, parameters }),
    schema: pipelineCreationSchema,
  };
}

/** The newer trigger; its answer is the pipeline, or a `{ message }` when CircleCI created none. */
export function runPipelineRequest(slug: string, options: RunPipelineOptions): ActionRequest<PipelineCreation | ActionMessage> {
  const { definitionId, config, checkout, parameters } = options;
  return {
    route: writeRoute("/project/{slug}/pipeline/run", { slug }, project(slug), triggering(slug)),
    body: definedOnly({ definition_id: definitionId, config, checkout, parameters }),
    schema: pipelineRunSchema,
  };
}

/** GitHub App and GitLab projects (`circleci/<org-id>/<project-id>`) cannot use the classic trigger. */
export function needsPipelineRun(slug: string): boolean {
  return slug.split("/", 1)[0] === "circleci";
}

export function rerunWorkflowRequest(id: string, options: RerunOptions): ActionRequest<WorkflowRerun> {
  const { fromFailed, jobIds, enableSsh, sparseTree } = options;
  return {
    route: writeRoute("/workflow/{id}/rerun", { id }, workflow(id), {
      does: `rerun workflow ${id}`,
      check: `the workflows of workflow ${id}'s pipeline (a rerun adds one)`,
    }),
    body: definedOnly({ from_failed: fromFailed, jobs: jobIds, enable_ssh: enableSsh, sparse_tree: sparseTree }),
    schema: workflowRerunSchema,
  };
}

export function cancelWorkflowRequest(id: string): ActionRequest<ActionMessage> {
  return accepted(writeRoute("/workflow/{id}/cancel", { id }, workflow(id), { does: `cancel workflow ${id}`, check: `the status of workflow ${id}` }));
}

export function approveJobRequest(workflowId: string, approvalRequestId: string): ActionRequest<ActionMessage> {
  return accepted(
    writeRoute("/workflow/{id}/approve/{approval_request_id}", { id: workflowId, approval_request_id: approvalRequestId }, workflow(workflowId), {
      does: `approve approval request ${approvalRequestId} in workflow ${workflowId}`,
      check: `the approval job's status in workflow ${workflowId}`,
    }),
  );
}

export function cancelJobRequest(slug: string, jobNumber: number): ActionRequest<ActionMessage> {
  return accepted(
    writeRoute("/project/{slug}/job/{number}/cancel", { slug, number: jobNumber }, missingResource(`job ${jobNumber} in project ${slug}`), {
      does: `cancel job ${jobNumber} in ${slug}`,
      check: `the status of job ${jobNumber} in ${slug}`,
    }),
  );
}

export function cancelJobByIdRequest(jobId: string): ActionRequest<ActionMessage> {
  return accepted(
    writeRoute("/jobs/{id}/cancel", { id: jobId }, missingResource(`job ${jobId}`), {
      does: `cancel job ${jobId}`,
      check: `the status of job ${jobId} in its workflow`,
    }),
  );
}

function accepted(route: WriteRoute): ActionRequest<ActionMessage> {
  return { route, body: undefined, schema: actionMessageSchema };
}

function triggering(slug: string) {
  return { does: `trigger a pipeline in ${slug}`, check: `the newest pipelines of ${slug}` };
}

function workflow(id: string): Missing {
  return missingResource(`workflow ${id}`);
}
