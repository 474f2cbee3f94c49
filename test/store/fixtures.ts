import type { Pipeline, Workflow, WorkflowJob } from "../../src/circleci/index.js";
import {
  contextEnvVarSchema,
  contextSchema,
  jobDetailsSchema,
  pipelineSchema,
  projectSchema,
  stepSchema,
  workflowJobSchema,
  workflowSchema,
} from "../../src/circleci/schemas.js";
import { createWorld } from "../../src/simulator/world.js";
import type { JobRecord, Store, StoredContext, StoredProject } from "../../src/store/store.js";

/** What a sync of a simulated world would write: every document parsed by the client's own schemas. */
export interface WorldDocuments {
  projects: StoredProject[];
  pipelines: Pipeline[];
  workflows: Workflow[];
  jobsByWorkflow: Map<string, WorkflowJob[]>;
  jobRecords: JobRecord[];
  contexts: StoredContext[];
}

export function worldDocuments(seed = 7): WorldDocuments {
  const { state } = createWorld({ seed, projects: 3, pipelinesPerProject: 12, now: Date.parse("2026-01-15T12:00:00.000Z") });
  const jobRecords = [...state.jobDetails.values()].map((wire) => {
    const details = jobDetailsSchema.parse(wire);
    const build = state.builds.get(`${details.project.slug}#${details.number}`);
    const record: JobRecord = { projectSlug: details.project.slug, number: details.number, details };
    if (build !== undefined) record.steps = (build.steps ?? []).map((step) => stepSchema.parse(step));
    return record;
  });
  return {
    projects: [...state.projects.values()].map((wire) => ({ slug: wire.slug, project: projectSchema.parse(wire) })),
    pipelines: [...state.pipelines.values()].map((wire) => pipelineSchema.parse(wire)),
    workflows: [...state.workflows.values()].map((wire) => workflowSchema.parse(wire)),
    jobsByWorkflow: new Map(
      [...state.jobsByWorkflow].map(([workflowId, jobs]) => [workflowId, jobs.map((job) => workflowJobSchema.parse(job))]),
    ),
    jobRecords,
    contexts: [...state.contexts.values()].flat().map((wire) => ({
      ...contextSchema.parse(wire),
      environment_variables: (state.envVars.get(wire.id) ?? []).map((variable) => contextEnvVarSchema.parse(variable)),
    })),
  };
}

/** A UUID-shaped id whose byte order follows `n`, for hand-made documents with a known order. */
export function idOf(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

export const PROJECT = "gh/acme/rocket";

/** A minimal valid pipeline; `branch: null` makes a tag pipeline. */
export function pipeline(n: number, createdAt: string, options: { project?: string; branch?: string | null } = {}): Pipeline {
  const branch = options.branch === undefined ? "main" : options.branch;
  return pipelineSchema.parse({
    id: idOf(n),
    number: n,
    project_slug: options.project ?? PROJECT,
    created_at: createdAt,
    state: "created",
    errors: [],
    trigger: { type: "webhook", received_at: createdAt, actor: { login: "octo", avatar_url: null } },
    vcs: {
      provider_name: "GitHub",
      origin_repository_url: "https://github.com/acme/rocket",
      target_repository_url: "https://github.com/acme/rocket",
      revision: "abc123",
      ...(branch === null ? { tag: `v${n}` } : { branch }),
    },
  });
}

export function workflow(n: number, pipelineId: string, createdAt: string): Workflow {
  return workflowSchema.parse({
    id: idOf(n),
    name: "build-test",
    pipeline_id: pipelineId,
    pipeline_number: 1,
    project_slug: PROJECT,
    status: "success",
    started_by: idOf(1),
    created_at: createdAt,
    stopped_at: null,
  });
}

export function job(n: number, status = "success"): WorkflowJob {
  return workflowJobSchema.parse({
    id: idOf(n),
    name: `job-${n}`,
    type: "build",
    status,
    project_slug: PROJECT,
    dependencies: [],
    job_number: n,
  });
}

/** `minute` minutes after a fixed instant, in CircleCI's millisecond format. */
export function at(minute: number): string {
  return new Date(Date.parse("2026-01-01T00:00:00.000Z") + minute * 60_000).toISOString();
}

/** Writes every document of `world`: projects, pipelines, workflows, job lists, job records and contexts. */
export async function writeWorldDocuments(store: Store, world: WorldDocuments): Promise<void> {
  await store.putProjects(world.projects);
  await store.putPipelines(world.pipelines);
  await store.putWorkflows(world.workflows);
  await store.putWorkflowJobs(world.jobsByWorkflow);
  await store.putJobRecords(world.jobRecords);
  await store.replaceContexts(world.contexts);
}
