import type { JobDetails, TestResult, Workflow, WorkflowJob } from "../../src/circleci/index.js";

/**
 * Hand-made CircleCI documents for the answers' tests, in the shapes the store holds. Times are given
 * as offsets from a fixed day so that every expected number can be worked out by hand.
 */

export const DAY = "2024-03-01";
export const SLUG = "gh/acme/api";
export const PIPELINE_ID = "00000000-0000-4000-8000-000000000000";

let nextId = 1;

/** Ids in creation order: `...-000000000001`, `...-000000000002`, ... */
export function testId(): string {
  return `00000000-0000-4000-8000-${String(nextId++).padStart(12, "0")}`;
}

/** `2024-03-01T<hh:mm:ss>Z`, or any ISO instant given whole. */
export function at(time: string): string {
  return time.includes("T") ? time : `${DAY}T${time}Z`;
}

export interface RunSpec {
  name?: string;
  status: string;
  createdAt: string;
  stoppedAt?: string | null;
  pipelineNumber?: number;
  id?: string;
  projectSlug?: string;
}

let nextPipelineNumber = 100;

export function workflow(spec: RunSpec): Workflow {
  return {
    id: spec.id ?? testId(),
    name: spec.name ?? "build-test",
    pipeline_id: PIPELINE_ID,
    pipeline_number: spec.pipelineNumber ?? nextPipelineNumber++,
    project_slug: spec.projectSlug ?? SLUG,
    status: spec.status,
    started_by: PIPELINE_ID,
    created_at: at(spec.createdAt),
    stopped_at: spec.stoppedAt == null ? null : at(spec.stoppedAt),
  };
}

export interface JobSpec {
  name: string;
  status: string;
  id?: string;
  startedAt?: string | null;
  stoppedAt?: string | null;
  number?: number;
}

let nextJobNumber = 1;

export function job(spec: JobSpec): WorkflowJob {
  return {
    id: spec.id ?? testId(),
    name: spec.name,
    type: "build",
    status: spec.status,
    project_slug: SLUG,
    dependencies: [],
    started_at: spec.startedAt == null ? null : at(spec.startedAt),
    stopped_at: spec.stoppedAt == null ? null : at(spec.stoppedAt),
    job_number: spec.number ?? nextJobNumber++,
  };
}

/** Job details carrying only what the answers read (queue and start times); the rest is filler. */
export function details(of: WorkflowJob, queuedAt: string, startedAt: string | null = of.started_at ?? null): JobDetails {
  return {
    number: of.job_number ?? 0,
    name: of.name,
    status: of.status,
    web_url: "https://app.circleci.com/",
    project: { id: PIPELINE_ID, slug: SLUG, name: "api", external_url: "https://github.com/acme/api" },
    organization: { name: "acme" },
    pipeline: { id: PIPELINE_ID },
    latest_workflow: { id: PIPELINE_ID, name: "build-test" },
    executor: { resource_class: "medium" },
    parallelism: 1,
    parallel_runs: [],
    created_at: at(queuedAt),
    queued_at: at(queuedAt),
    started_at: startedAt === null ? null : at(startedAt),
    stopped_at: of.stopped_at ?? null,
    duration: null,
    messages: [],
    contexts: [],
  };
}

export function testResult(name: string, result: string, classname = "api.SessionTest", file = "test/session.test.ts"): TestResult {
  return { name, classname, file, result, message: result === "success" ? null : `${name} broke`, source: "jest", run_time: 0.25 };
}
