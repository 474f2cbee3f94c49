/**
 * Valid CircleCI documents, shaped as the real API sends them (API.md §4), with overrides for the
 * field a test is about. Ids are deterministic per seed so pages can be compared.
 */

export function uuidFor(kind: number, seed: number): string {
  const hex = (kind * 1_000_000 + seed).toString(16).padStart(12, "0");
  return `00000000-0000-4000-8000-${hex}`;
}

export function pipeline(seed: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: uuidFor(1, seed),
    number: seed,
    project_slug: "gh/acme/api",
    created_at: `2026-01-01T00:00:${String(seed % 60).padStart(2, "0")}.517Z`,
    updated_at: "2026-01-01T00:01:00.000Z",
    state: "created",
    errors: [],
    trigger: {
      type: "webhook",
      received_at: "2026-01-01T00:00:00.100Z",
      actor: { login: "octo", avatar_url: null },
    },
    vcs: {
      provider_name: "GitHub",
      origin_repository_url: "https://github.com/acme/api",
      target_repository_url: "https://github.com/acme/api",
      revision: "f454a02b5d10fcccfd7d9dd7608a76d6493a98b4",
      branch: "main",
      commit: { subject: "Fix things", body: null },
    },
    ...overrides,
  };
}

export function workflow(seed: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: uuidFor(2, seed),
    name: "build-and-test",
    pipeline_id: uuidFor(1, 1),
    pipeline_number: 1,
    project_slug: "gh/acme/api",
    status: "success",
    started_by: uuidFor(9, 1),
    created_at: "2024-03-11T14:56:45Z",
    stopped_at: "2024-03-11T14:58:45Z",
    ...overrides,
  };
}

export function workflowJob(seed: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: uuidFor(3, seed),
    name: `job-${seed}`,
    type: "build",
    status: "success",
    project_slug: "gh/acme/api",
    dependencies: [],
    job_number: seed,
    started_at: "2024-03-11T14:56:46Z",
    stopped_at: "2024-03-11T14:57:46Z",
    ...overrides,
  };
}

export function user(): Record<string, unknown> {
  return { id: uuidFor(9, 1), login: "octo", name: "Octo Cat", avatar_url: "https://avatars.example/octo" };
}

export function project(slug: string): Record<string, unknown> {
  const [, org = "", repo = ""] = slug.split("/");
  return {
    id: uuidFor(5, 1),
    slug,
    name: repo,
    organization_name: org,
    organization_slug: slug.split("/").slice(0, 2).join("/"),
    organization_id: uuidFor(6, 1),
    vcs_info: { vcs_url: `https://github.com/${org}/${repo}`, provider: "GitHub", default_branch: "main" },
  };
}

export function jobDetails(number: number): Record<string, unknown> {
  return {
    number,
    name: "test",
    status: "success",
    web_url: `https://app.circleci.com/jobs/${number}`,
    project: { id: uuidFor(5, 1), slug: "gh/acme/api", name: "api", external_url: "https://github.com/acme/api" },
    organization: { name: "acme" },
    pipeline: { id: uuidFor(1, 1) },
    latest_workflow: { id: uuidFor(2, 1), name: "build-and-test" },
    executor: { resource_class: "medium", type: "docker" },
    parallelism: 1,
    parallel_runs: [{ index: 0, status: "success" }],
    created_at: "2024-03-11T14:56:45.100Z",
    queued_at: "2024-03-11T14:56:45.200Z",
    started_at: "2024-03-11T14:56:46.300Z",
    stopped_at: "2024-03-11T14:57:46.400Z",
    duration: 60_100,
    messages: [],
    contexts: [{ name: "deploy" }],
  };
}

export function v1Build(number: number): Record<string, unknown> {
  return {
    build_num: number,
    build_url: `https://circleci.com/gh/acme/api/${number}`,
    vcs_url: "https://github.com/acme/api",
    lifecycle: "finished",
    outcome: "success",
    status: "success",
    queued_at: "2024-03-11T14:56:45.200Z",
    start_time: "2024-03-11T14:56:46.300Z",
    stop_time: "2024-03-11T14:57:46.400Z",
    build_time_millis: 60_100,
    parallel: 1,
    all_commit_details: [{ subject: "large payload we do not keep" }],
    steps: [
      {
        name: "Spin up environment",
        actions: [
          {
            name: "Spin up environment",
            step: 0,
            index: 0,
            type: "test",
            status: "success",
            bash_command: null,
            exit_code: null,
            start_time: "2024-03-11T14:56:46.300Z",
            end_time: "2024-03-11T14:56:50.300Z",
            run_time_millis: 4000,
            background: false,
            parallel: false,
            has_output: true,
            failed: null,
            output_url: "https://circle-production-action-output.s3.amazonaws.com/presigned?X-Amz-Signature=abc",
          },
        ],
      },
    ],
  };
}

export function context(seed: number): Record<string, unknown> {
  return { id: uuidFor(7, seed), name: `context-${seed}`, created_at: "2025-01-02T03:04:05.678Z" };
}

export function envVar(name: string, contextId: string): Record<string, unknown> {
  return { variable: name, context_id: contextId, created_at: "2025-01-02T03:04:05.678Z", updated_at: "2025-01-03T03:04:05.678Z" };
}
