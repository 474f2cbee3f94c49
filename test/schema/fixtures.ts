import type { Pipeline, Workflow, WorkflowJob } from "../../src/circleci/index.js";

/** Small CircleCI documents, with timestamps of mixed precision as CircleCI sends them. */
export function pipelineDoc(projectSlug: string, id: string, number: number): Pipeline {
  return {
    id,
    number,
    project_slug: projectSlug,
    created_at: "2025-06-01T12:00:00.123456Z",
    updated_at: "2025-06-01T12:00:01Z",
    state: "created",
    errors: [],
    trigger: { type: "webhook", received_at: "2025-06-01T11:59:59.9Z", actor: { login: "octocat", avatar_url: null } },
    vcs: {
      provider_name: "GitHub",
      origin_repository_url: "https://github.com/acme/api",
      target_repository_url: "https://github.com/acme/api",
      revision: "0123456789abcdef0123456789abcdef01234567",
      branch: "main",
      commit: { subject: "Ship it", body: null },
    },
  };
}

export function workflowDoc(projectSlug: string, id: string, status: string): Workflow {
  return {
    id,
    name: "build-and-test",
    pipeline_id: "00000000-0000-4000-8000-00000000a001",
    pipeline_number: 1,
    project_slug: projectSlug,
    status,
    started_by: "00000000-0000-4000-8000-00000000b001",
    created_at: "2025-06-01T12:00:00Z",
    stopped_at: null,
  };
}

export function jobDoc(projectSlug: string, id: string, status: string): WorkflowJob {
  return {
    id,
    name: "test",
    type: "build",
    status,
    project_slug: projectSlug,
    dependencies: [],
    started_at: "2025-06-01T12:00:05.5Z",
    job_number: 42,
  };
}
