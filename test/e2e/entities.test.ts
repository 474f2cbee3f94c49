import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { jobKey } from "../../src/simulator/state.js";
import { isTerminalJobStatus } from "../../src/sync/live.js";
import { ContextsDocument, JobByNumberDocument, PipelineByIdDocument } from "../generated/graphql.js";
import { startTestRedis } from "../support/redis-server.js";
import { enumOf, isoOf } from "./as-schema.js";
import type { TestRedis } from "../support/redis-server.js";
import { dataOf, firstSyncCycle, startGateway } from "./gateway.js";
import type { Gateway } from "./gateway.js";

/** The typed single-entity documents over HTTP, after a first sync (contexts come from the sync alone). */
let sim: Simulator;
let redis: TestRedis;
let gateway: Gateway;
let slug: string;
let orgId: string;

beforeAll(async () => {
  [sim, redis] = await Promise.all([startSimulator({ world: { seed: 23, projects: 1, pipelinesPerProject: 8, historyDays: 2 } }), startTestRedis()]);
  [slug] = [...sim.world.state.projects.keys()] as [string];
  orgId = sim.world.state.projects.get(slug)?.organization_id as string;
  gateway = await startGateway({ sim, redisUrl: redis.url, redisPrefix: "e2e-entities:", projectSlugs: [slug], syncIntervalSeconds: 3600, orgId });
  await firstSyncCycle(gateway);
}, 40_000);

afterAll(async () => {
  await gateway?.stop();
  await sim?.stop();
  await redis?.stop();
});


/** The simulator's build jobs of a project. */
function jobDetailsOf(projectSlug: string) {
  return [...sim.world.state.jobDetails.values()].filter((detail) => detail.project.slug === projectSlug);
}

describe("single entities over HTTP", () => {
  it("pipeline(id): the pipeline, its trigger and its workflows", async () => {
    const state = sim.world.state;
    const id = state.pipelinesByProject.get(slug)?.[0] as string;
    const pipeline = state.pipelines.get(id);
    const { pipeline: answer } = await dataOf(gateway.url, PipelineByIdDocument, { id });
    expect(answer).toEqual({
      id,
      number: pipeline?.number,
      projectSlug: slug,
      state: enumOf(pipeline?.state as string),
      createdAt: isoOf(pipeline?.created_at as string),
      trigger: { type: pipeline?.trigger.type, actor: { login: pipeline?.trigger.actor.login } },
      workflows: (state.workflowsByPipeline.get(id) ?? []).map((workflowId) => {
        const workflow = state.workflows.get(workflowId);
        return { id: workflowId, name: workflow?.name, status: enumOf(workflow?.status as string) };
      }),
    });
  });

  it("job(projectSlug, number): a finished build job, with its steps", async () => {
    const details = jobDetailsOf(slug);
    const finished = details.find((detail) => isTerminalJobStatus(detail.status));
    expect(finished).toBeDefined();
    const { job } = await dataOf(gateway.url, JobByNumberDocument, { projectSlug: slug, number: finished?.number as number });
    expect(job).toMatchObject({
      number: finished?.number,
      name: finished?.name,
      status: enumOf(finished?.status as string),
      webUrl: finished?.web_url,
      projectSlug: slug,
      pipelineId: finished?.pipeline.id,
      parallelism: finished?.parallelism,
      contexts: finished?.contexts.map((context) => context.name),
      executor: { resourceClass: finished?.executor.resource_class },
    });
    const build = sim.world.state.builds.get(jobKey(slug, finished?.number as number));
    expect(job?.steps?.map((step) => step.name)).toEqual(build?.steps?.map((step) => step.name));
  });

  it("contexts: the organization's, by name", async () => {
    const state = sim.world.state;
    const truth = [...(state.contexts.get(orgId) ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    expect(truth.length).toBeGreaterThan(0);
    const { contexts } = await dataOf(gateway.url, ContextsDocument, {});
    expect(contexts.map(({ id, name, createdAt }) => ({ id, name, createdAt }))).toEqual(
      truth.map((context) => ({ id: context.id, name: context.name, createdAt: isoOf(context.created_at) })),
    );
    for (const context of contexts) {
      expect(context.environmentVariables.map((variable) => variable.variable).sort()).toEqual(
        (state.envVars.get(context.id) ?? []).map((variable) => variable.variable).sort(),
      );
    }
  });
});
