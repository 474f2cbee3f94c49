import type { Pipeline, TestResult, Workflow, WorkflowJob } from "../../src/circleci/index.js";
import {
  contextEnvVarSchema,
  contextSchema,
  jobDetailsSchema,
  pipelineSchema,
  projectSchema,
  stepSchema,
  testResultSchema,
  workflowJobSchema,
  workflowSchema,
} from "../../src/circleci/schemas.js";
import { testResultsOf } from "../../src/simulator/test-results.js";
import { createWorld } from "../../src/simulator/world.js";
import { storedForm } from "../../src/store/codec.js";
import type { ChangeEvent } from "../../src/store/events.js";
import type { ActivePipeline, JobRecord, Store, StoredContext, StoredProject, StreamStatusRecord, SyncSummaryRecord } from "../../src/store/store.js";
import type { StoreWrite, WriteOutcome } from "../../src/store/writes.js";

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

/** The test results the simulated CircleCI serves for a job record's job, as the client parses them. */
export function worldTestResults(record: JobRecord): TestResult[] {
  return testResultsOf(record.details.project.slug, record.details).map((test) => testResultSchema.parse(test));
}

/** A UUID-shaped id whose byte order follows `n`, for hand-made documents with a known order. */
export function idOf(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

export const PROJECT = "gh/acme/rocket";

/** The world's documents as the store gives them back (`storedForm`): what a read of them must equal. */
export function storedWorld(world: WorldDocuments): WorldDocuments {
  return {
    ...world,
    pipelines: world.pipelines.map((pipeline) => storedForm("pipeline", pipeline)),
    workflows: world.workflows.map((workflow) => storedForm("workflow", workflow)),
    jobsByWorkflow: new Map([...world.jobsByWorkflow].map(([workflowId, jobs]) => [workflowId, jobs.map((job) => storedForm("job", job))])),
    jobRecords: world.jobRecords.map((record) => storedForm("jobRecord", record)),
  };
}

/**
 * A minimal valid pipeline, in the form the store gives back (as the other hand-made entities below), so a test
 * compares what it reads with what it wrote; `branch: null` makes a tag pipeline.
 */
export function pipeline(n: number, createdAt: string, options: { project?: string; branch?: string | null } = {}): Pipeline {
  const branch = options.branch === undefined ? "main" : options.branch;
  return storedPipeline({
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
  return storedForm("workflow", workflowSchema.parse({
    id: idOf(n),
    name: "build-test",
    pipeline_id: pipelineId,
    pipeline_number: 1,
    project_slug: PROJECT,
    status: "success",
    started_by: idOf(1),
    created_at: createdAt,
    stopped_at: null,
  }));
}

export function job(n: number, status = "success"): WorkflowJob {
  return storedForm("job", workflowJobSchema.parse({
    id: idOf(n),
    name: `job-${n}`,
    type: "build",
    status,
    project_slug: PROJECT,
    dependencies: [],
    job_number: n,
  }));
}

function storedPipeline(wire: unknown): Pipeline {
  return storedForm("pipeline", pipelineSchema.parse(wire));
}

/** `minute` minutes after a fixed instant, in CircleCI's millisecond format. */
export function at(minute: number): string {
  return new Date(Date.parse("2026-01-01T00:00:00.000Z") + minute * 60_000).toISOString();
}

/**
 * Writes in the store's own terms, for the store's tests: the store's write primitive without the writer's rules
 * (those are the writer's tests). A write's project is its document's.
 */
export const writes = {
  projects: (projects: readonly StoredProject[]): StoreWrite[] => projects.map((project) => ({ kind: "project", project })),
  pipelines: (pipelines: readonly Pipeline[]): StoreWrite[] => pipelines.map((pipeline) => ({ kind: "pipeline", projectSlug: pipeline.project_slug, pipeline })),
  workflows: (workflows: readonly Workflow[]): StoreWrite[] => workflows.map((workflow) => ({ kind: "workflow", projectSlug: workflow.project_slug, workflow })),
  /** Each workflow's jobs, and its list replaced with them in the given order; `projectOf` places a list. */
  workflowJobs: (jobsByWorkflow: ReadonlyMap<string, readonly WorkflowJob[]>, projectOf: (workflowId: string) => string = () => PROJECT): StoreWrite[] =>
    [...jobsByWorkflow].flatMap(([workflowId, jobs]): StoreWrite[] => [
      ...jobs.map((job): StoreWrite => ({ kind: "job", projectSlug: job.project_slug, job })),
      { kind: "jobList", projectSlug: projectOf(workflowId), workflowId, jobIds: jobs.map((job) => job.id) },
    ]),
  jobRecords: (records: readonly JobRecord[]): StoreWrite[] => records.map((record) => ({ kind: "jobRecord", record })),
  contexts: (contexts: readonly StoredContext[]): StoreWrite[] => [{ kind: "contexts", contexts }],
  active: (changes: { add?: ActivePipeline[]; remove?: string[] }): StoreWrite[] => [{ kind: "active", ...changes }],
  cursors: (cursors: ReadonlyMap<string, string>): StoreWrite[] => [...cursors].map(([name, value]) => ({ kind: "cursor", name, value })),
  statuses: (statuses: readonly StreamStatusRecord[]): StoreWrite[] => statuses.map((status) => ({ kind: "streamStatus", status })),
  summary: (summary: SyncSummaryRecord): StoreWrite[] => [{ kind: "summary", summary }],
  stage: (projectSlug: string, batchId: string, events: readonly ChangeEvent[]): StoreWrite[] => [{ kind: "stage", projectSlug, batchId, events }],
  unstage: (projectSlug: string, batchIds: readonly string[]): StoreWrite[] => [{ kind: "unstage", projectSlug, batchIds }],
};

/** Applies writes that must apply (no conditions, or conditions that hold). */
export async function write(store: Store, batch: readonly StoreWrite[] | readonly StoreWrite[][], epoch?: number): Promise<WriteOutcome & { applied: true }> {
  const outcome = await store.applyWrites({ epoch, writes: batch.flat() });
  if (!outcome.applied) throw new Error(`the writes ${outcome.conflicts.join(", ")} met a failed condition`);
  return outcome;
}

/** Writes every document of `world`: projects, pipelines, workflows, job lists, job records and contexts. */
export async function writeWorldDocuments(store: Store, world: WorldDocuments): Promise<void> {
  await write(store, [
    writes.projects(world.projects),
    writes.pipelines(world.pipelines),
    writes.workflows(world.workflows),
    writes.workflowJobs(world.jobsByWorkflow, projectOfWorkflow(world)),
    writes.jobRecords(world.jobRecords),
    writes.contexts(world.contexts),
  ]);
}

/** The project of each of the world's workflows, to place their job lists. */
export function projectOfWorkflow(world: WorldDocuments): (workflowId: string) => string {
  const projects = new Map(world.workflows.map((workflow) => [workflow.id, workflow.project_slug]));
  return (workflowId) => projects.get(workflowId) ?? PROJECT;
}
