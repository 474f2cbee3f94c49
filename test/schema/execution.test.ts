import DataLoader from "dataloader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobStatus, PipelineState, WorkflowStatus, enumValueOf } from "../../src/schema/enums.js";
import type { PipelineWire } from "../../src/simulator/model.js";
import { jobKey } from "../../src/simulator/state.js";
import type { StoredProject } from "../../src/store/index.js";
import { BACKFILL_DAYS, DAY_MS, NOW } from "../sync/harness.js";
import { startSchemaRig } from "./rig.js";
import type { SchemaRig } from "./rig.js";

let rig: SchemaRig;
beforeAll(async () => {
  rig = await startSchemaRig();
});
afterAll(() => rig.close());

const truth = () => rig.sync.sim.world.state;
const slug = () => rig.sync.slugs[0] as string;

/** A configured project's pipelines the gateway serves: the synced window, newest first. */
function pipelinesOf(projectSlug: string): PipelineWire[] {
  return (truth().pipelinesByProject.get(projectSlug) ?? [])
    .flatMap((id) => truth().pipelines.get(id) ?? [])
    .filter((pipeline) => Date.parse(pipeline.created_at) >= NOW - BACKFILL_DAYS * DAY_MS);
}

function iso(timestamp: string | null | undefined): string | null {
  return timestamp == null ? null : new Date(timestamp).toISOString();
}

async function data<T>(source: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await rig.run(source, variables);
  expect(result.errors).toBeUndefined();
  return result.data as T;
}

const PAGE = /* GraphQL */ `
  query Page($slug: String!, $first: Int, $after: String, $branch: String) {
    pipelines(projectSlug: $slug, first: $first, after: $after, branch: $branch) {
      edges { cursor node { id } }
      nodes { id number createdAt }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

interface PageData {
  pipelines: {
    edges: { cursor: string; node: { id: string } }[];
    nodes: { id: string; number: number; createdAt: string }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

describe("queries answer what CircleCI holds", () => {
  it("projects: the configured ones, in order", async () => {
    const { projects } = await data<{ projects: Record<string, unknown>[] }>(
      "{ projects { slug id name organizationName organizationSlug vcsUrl defaultBranch } }",
    );
    expect(projects).toEqual(
      rig.sync.slugs.map((projectSlug) => {
        const project = truth().projects.get(projectSlug);
        return {
          slug: projectSlug,
          id: project?.id,
          name: project?.name,
          organizationName: project?.organization_name,
          organizationSlug: project?.organization_slug,
          vcsUrl: project?.vcs_info.vcs_url,
          defaultBranch: project?.vcs_info.default_branch,
        };
      }),
    );
  });

  it("project(slug) is null for a project CircleCI does not know", async () => {
    expect(await data("{ project(slug: \"gh/nobody/nothing\") { slug } }")).toEqual({ project: null });
  });

  it("pipelines: newest first, paged by endCursor and by any edge's cursor", async () => {
    const expected = pipelinesOf(slug()).map((pipeline) => pipeline.id);
    const first = await data<PageData>(PAGE, { slug: slug(), first: 5 });
    expect(first.pipelines.nodes.map((node) => node.id)).toEqual(expected.slice(0, 5));
    expect(first.pipelines.edges.map((edge) => edge.node.id)).toEqual(expected.slice(0, 5));
    expect(first.pipelines.pageInfo).toEqual({ hasNextPage: true, endCursor: first.pipelines.edges[4]?.cursor });

    const second = await data<PageData>(PAGE, { slug: slug(), first: 5, after: first.pipelines.pageInfo.endCursor });
    expect(second.pipelines.nodes.map((node) => node.id)).toEqual(expected.slice(5, 10));

    const fromSecondEdge = await data<PageData>(PAGE, { slug: slug(), first: 3, after: first.pipelines.edges[1]?.cursor });
    expect(fromSecondEdge.pipelines.nodes.map((node) => node.id)).toEqual(expected.slice(2, 5));

    const newest = truth().pipelines.get(expected[0] as string);
    expect(first.pipelines.nodes[0]).toEqual({ id: newest?.id, number: newest?.number, createdAt: iso(newest?.created_at) });
  });

  it("pipelines: the default page is 20, and the last page says so", async () => {
    const all = pipelinesOf(slug());
    const page = await data<PageData>(PAGE, { slug: slug() });
    expect(page.pipelines.nodes).toHaveLength(Math.min(20, all.length));
    const last = await data<PageData>(PAGE, { slug: slug(), first: 100 });
    expect(last.pipelines.nodes).toHaveLength(all.length);
    expect(last.pipelines.pageInfo.hasNextPage).toBe(false);
  });

  it("pipelines: of one branch", async () => {
    const all = pipelinesOf(slug());
    const branch = all.find((pipeline) => pipeline.vcs?.branch !== undefined)?.vcs?.branch;
    const expected = all.filter((pipeline) => pipeline.vcs?.branch === branch).map((pipeline) => pipeline.id);
    const page = await data<PageData>(PAGE, { slug: slug(), first: 3, branch });
    expect(page.pipelines.nodes.map((node) => node.id)).toEqual(expected.slice(0, 3));
  });

  it("Project.pipelines pages like Query.pipelines", async () => {
    const result = await data<{ project: { pipelines: { nodes: { id: string }[] } } }>(
      "query ($slug: String!) { project(slug: $slug) { pipelines(first: 4) { nodes { id } } } }",
      { slug: slug() },
    );
    expect(result.project.pipelines.nodes.map((node) => node.id)).toEqual(pipelinesOf(slug()).slice(0, 4).map((pipeline) => pipeline.id));
  });

  it("pipeline(id) with its project, workflows, jobs and job details", async () => {
    // The oldest pipeline of the window has finished: its jobs have steps.
    const pipeline = pipelinesOf(slug()).at(-1) as PipelineWire;
    const result = await data<{ pipeline: Record<string, unknown> & { workflows: WorkflowResult[] } }>(
      /* GraphQL */ `
        query ($id: ID!) {
          pipeline(id: $id) {
            id number projectSlug state createdAt
            project { slug }
            trigger { type receivedAt actor { login } }
            vcs { revision branch tag }
            errors { type message }
            workflows {
              id name status createdAt stoppedAt durationSeconds pipelineId
              pipeline { id }
              jobs { id name type status jobNumber dependencies details { number name status steps { name actions { index status } } } }
            }
          }
        }
      `,
      { id: pipeline.id },
    );
    const { workflows, ...rest } = result.pipeline;
    expect(rest).toEqual({
      id: pipeline.id,
      number: pipeline.number,
      projectSlug: slug(),
      state: enumValueOf(PipelineState, pipeline.state),
      createdAt: iso(pipeline.created_at),
      project: { slug: slug() },
      trigger: { type: pipeline.trigger.type, receivedAt: iso(pipeline.trigger.received_at), actor: { login: pipeline.trigger.actor.login } },
      vcs: pipeline.vcs ? { revision: pipeline.vcs.revision, branch: pipeline.vcs.branch ?? null, tag: pipeline.vcs.tag ?? null } : null,
      errors: pipeline.errors,
    });
    // Oldest first; CircleCI's own list may order workflows created in the same instant either way.
    expect(workflows.map((workflow) => workflow.id).sort()).toEqual([...(truth().workflowsByPipeline.get(pipeline.id) ?? [])].sort());
    const createdAt = workflows.map((workflow) => workflow.createdAt);
    expect(createdAt).toEqual([...createdAt].sort());
    const jobsWithSteps = workflows.map(expectWorkflowAsTruth).reduce((sum, count) => sum + count, 0);
    expect(jobsWithSteps).toBeGreaterThan(0);
  });

  it("workflow(id)", async () => {
    const [workflowId] = truth().workflowsByPipeline.get(pipelinesOf(slug())[0]?.id as string) ?? [];
    const result = await data<{ workflow: { id: string; status: string; pipeline: { id: string } } }>(
      "query ($id: ID!) { workflow(id: $id) { id status pipeline { id } } }",
      { id: workflowId },
    );
    const workflow = truth().workflows.get(workflowId as string);
    expect(result.workflow).toEqual({ id: workflowId, status: enumValueOf(WorkflowStatus, workflow?.status ?? ""), pipeline: { id: workflow?.pipeline_id } });
  });

  it("job(projectSlug, number), and null for an unknown number", async () => {
    const [key, details] = [...truth().jobDetails].find(([candidate]) => candidate.startsWith(`${slug()}#`)) ?? [];
    const number = Number(key?.split("#").at(-1));
    const result = await data<{ job: Record<string, unknown>; missing: null }>(
      /* GraphQL */ `
        query ($slug: String!, $number: Int!) {
          job(projectSlug: $slug, number: $number) {
            number name status webUrl projectSlug pipelineId parallelism durationMs queuedAt contexts
            executor { resourceClass }
            messages { type message }
          }
          missing: job(projectSlug: $slug, number: 999999) { number }
        }
      `,
      { slug: slug(), number },
    );
    expect(result).toEqual({
      job: {
        number,
        name: details?.name,
        status: enumValueOf(JobStatus, details?.status ?? ""),
        webUrl: details?.web_url,
        projectSlug: slug(),
        pipelineId: details?.pipeline.id,
        parallelism: details?.parallelism,
        durationMs: details?.duration,
        queuedAt: iso(details?.queued_at),
        contexts: details?.contexts.map((context) => context.name),
        executor: { resourceClass: details?.executor.resource_class },
        messages: details?.messages.map(({ type, message }) => ({ type, message })),
      },
      missing: null,
    });
  });

  it("contexts, with their variables' names", async () => {
    const result = await data<{ contexts: { id: string; name: string; environmentVariables: { variable: string }[] }[] }>(
      "{ contexts { id name createdAt environmentVariables { variable } } }",
    );
    const expected = truth().contexts.get(rig.sync.orgId) ?? [];
    expect(result.contexts.map((context) => context.id).sort()).toEqual(expected.map((context) => context.id).sort());
    for (const context of result.contexts) {
      const variables = (truth().envVars.get(context.id) ?? []).map((variable) => variable.variable);
      expect(context.environmentVariables.map((variable) => variable.variable).sort()).toEqual([...variables].sort());
    }
  });

  it("syncStatus: one completed cycle, a status per stream", async () => {
    const { syncStatus } = await data<{ syncStatus: { running: boolean; cycles: number; lastCycleCompletedAt: string; streams: { stream: string; records: number }[] } }>(
      "{ syncStatus { running cycles lastCycleCompletedAt streams { stream projectSlug records lastSuccessAt lastError } } }",
    );
    expect(syncStatus.running).toBe(false);
    expect(syncStatus.cycles).toBe(1);
    expect(syncStatus.lastCycleCompletedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(new Set(syncStatus.streams.map((stream) => stream.stream))).toEqual(
      new Set(["projects", "pipelines", "workflows", "workflow_jobs", "job_details", "tests", "contexts"]),
    );
  });
});

interface WorkflowResult {
  id: string;
  status: string;
  createdAt: string;
  stoppedAt: string | null;
  durationSeconds: number | null;
  pipeline: { id: string };
  jobs: {
    id: string;
    type: string;
    status: string;
    jobNumber: number | null;
    details: { number: number; status: string; steps: { name: string }[] | null } | null;
  }[];
}

/** Returns how many of its jobs had their steps compared. */
function expectWorkflowAsTruth(workflow: WorkflowResult): number {
  const truthWorkflow = truth().workflows.get(workflow.id);
  const stoppedAt = truthWorkflow?.stopped_at;
  expect(workflow.status).toBe(enumValueOf(WorkflowStatus, truthWorkflow?.status ?? ""));
  expect(workflow.pipeline.id).toBe(truthWorkflow?.pipeline_id);
  expect(workflow.durationSeconds).toBe(stoppedAt == null ? null : (Date.parse(stoppedAt) - Date.parse(truthWorkflow?.created_at ?? "")) / 1000);
  const truthJobs = truth().jobsByWorkflow.get(workflow.id) ?? [];
  expect(workflow.jobs.map((job) => [job.id, job.status])).toEqual(truthJobs.map((job) => [job.id, enumValueOf(JobStatus, job.status)]));
  let withSteps = 0;
  for (const job of workflow.jobs) {
    if (job.type !== "BUILD" || job.jobNumber === null) {
      expect(job.details).toBeNull();
      continue;
    }
    const build = truth().builds.get(jobKey(slug(), job.jobNumber));
    expect(job.details?.number).toBe(job.jobNumber);
    expect(job.details?.steps?.map((step) => step.name)).toEqual(build?.steps?.map((step) => step.name));
    if (build !== undefined) withSteps += 1;
  }
  return withSteps;
}

describe("client mistakes are BAD_USER_INPUT errors", () => {
  it.each([101, 0, -1])("first: %i names the limit", async (first) => {
    const result = await rig.run(PAGE, { slug: slug(), first });
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toContain("100");
  });

  it("a malformed cursor", async () => {
    const result = await rig.run(PAGE, { slug: slug(), after: "not-a-cursor" });
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toContain("not-a-cursor");
  });
});

describe("partial failure", () => {
  it("a loader failing for one key fails that field only; the rest is served", async () => {
    const [failing, healthy] = pipelinesOf(slug()).map((pipeline) => pipeline.id);
    const result = await rig.run(
      /* GraphQL */ `
        query ($failing: ID!, $healthy: ID!) {
          failing: pipeline(id: $failing) { id workflows { id } }
          healthy: pipeline(id: $healthy) { id workflows { id } }
          projects { slug }
        }
      `,
      { failing, healthy },
      (loaders) => ({
        ...loaders,
        workflowsOfPipeline: new DataLoader((ids: readonly string[]) =>
          Promise.all(ids.map((id) => (id === failing ? new Error("CircleCI answered 500") : loaders.workflowsOfPipeline.load(id)))),
        ),
      }),
    );
    expect(result.errors?.map((error) => [error.message, error.path])).toEqual([["CircleCI answered 500", ["failing", "workflows"]]]);
    expect(result.data).toEqual({
      failing: null,
      healthy: { id: healthy, workflows: (truth().workflowsByPipeline.get(healthy as string) ?? []).map((id) => ({ id })) },
      projects: rig.sync.slugs.map((projectSlug) => ({ slug: projectSlug })),
    });
  });

  // The loaders fetch a pipeline the cache lacks together with its workflows, so the failure lands on the pipeline.
  it("CircleCI failing for a pipeline the cache lacks fails that pipeline only", async () => {
    const outsideWindow = (truth().pipelinesByProject.get(slug()) ?? []).at(-1) as string;
    const [recent] = pipelinesOf(slug()).map((pipeline) => pipeline.id);
    rig.sync.sim.inject({ kind: "500", endpoint: "GET /pipeline/{id}/workflow", count: 5 });
    const result = await rig.run(
      /* GraphQL */ `
        query ($old: ID!, $recent: ID!) {
          old: pipeline(id: $old) { id workflows { id } }
          recent: pipeline(id: $recent) { id workflows { id } }
        }
      `,
      { old: outsideWindow, recent },
    );
    expect(result.errors?.map((error) => [error.path, error.message])).toEqual([[["old"], expect.stringContaining("500")]]);
    expect(result.data).toEqual({
      old: null,
      recent: { id: recent, workflows: (truth().workflowsByPipeline.get(recent as string) ?? []).map((id) => ({ id })) },
    });
  });

  it("a failing nullable link (Pipeline.project) is null with its error, its siblings served", async () => {
    const [id] = pipelinesOf(slug()).map((pipeline) => pipeline.id);
    const result = await rig.run(
      "query ($id: ID!) { pipeline(id: $id) { id project { slug } } }",
      { id },
      (loaders) => ({ ...loaders, project: new DataLoader<string, StoredProject | null>(async (slugs) => slugs.map(() => new Error("project lookup failed"))) }),
    );
    expect(result.errors?.map((error) => error.path)).toEqual([["pipeline", "project"]]);
    expect(result.data).toEqual({ pipeline: { id, project: null } });
  });
});
