import { createPubSub } from "@graphql-yoga/subscription";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_PAGE_SIZE } from "../../src/loaders/index.js";
import { buildGatewaySchema } from "../../src/resolvers/build-schema.js";
import { DEFAULT_QUERY_LIMITS } from "../../src/server/limits/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { objectsBelow } from "../support/answer.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { everyFieldQuery } from "../server/limits/every-field-query.js";
import { PIPELINE_TREES } from "../server/limits/operations.js";
import { firstSyncCycle, postBody, startGateway } from "./gateway.js";
import type { Gateway } from "./gateway.js";

/**
 * The cost of real queries against `serve` in-process on a synced Redis store: the estimate lets the largest honest
 * queries through under the default maximum, the count of what they produce stays within it, and an operation
 * whose data is larger than the estimate assumed is stopped while it runs.
 */
let sim: Simulator;
let redis: TestRedis;
let gateway: Gateway;
let slugs: string[];
/** More than the 20 contexts the estimate assumes an organisation has. */
const CONTEXTS = 45;

beforeAll(async () => {
  [sim, redis] = await Promise.all([
    startSimulator({ world: { seed: 31, projects: 2, pipelinesPerProject: 40, historyDays: 3, contextsPerOrg: CONTEXTS } }),
    startTestRedis(),
  ]);
  slugs = [...sim.world.state.projects.keys()];
  const orgId = sim.world.state.projects.get(slugs[0] as string)?.organization_id;
  gateway = await startGateway({ sim, redisUrl: redis.url, redisPrefix: "e2e-cost:", projectSlugs: slugs, syncIntervalSeconds: 3600, orgId });
  await firstSyncCycle(gateway);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await sim?.stop();
  await redis?.stop();
});

/** Real arguments for every required one of the schema: the first project, its newest pipeline, workflow and build job. */
function realArguments(): Record<string, string> {
  const state = sim.world.state;
  const slug = slugs[0] as string;
  const pipelineId = state.pipelinesByProject.get(slug)?.[0] as string;
  const workflowId = [...(state.workflowsByPipeline.get(pipelineId) ?? [])][0] as string;
  const jobNumber = [...state.jobDetails.values()].find((detail) => detail.project.slug === slug)?.number as number;
  return {
    "Query.project.slug": JSON.stringify(slug),
    "Query.pipeline.id": JSON.stringify(pipelineId),
    "Query.pipelines.projectSlug": JSON.stringify(slug),
    "Query.workflow.id": JSON.stringify(workflowId),
    "Query.job.projectSlug": JSON.stringify(slug),
    "Query.job.number": String(jobNumber),
    "Query.workflowInsights.projectSlug": JSON.stringify(slug),
    "Query.jobInsights.projectSlug": JSON.stringify(slug),
    "Query.jobInsights.workflowName": JSON.stringify(state.workflows.get(workflowId)?.name),
    "Query.flakyTests.projectSlug": JSON.stringify(slug),
  };
}

describe("the default cost maximum", () => {
  it("lets a query of every field with a page of 100 pipelines per project through, and its answer stays within it", async () => {
    const schema = await buildGatewaySchema({ pubSub: createPubSub() });
    const query = everyFieldQuery(schema, { maxDepth: DEFAULT_QUERY_LIMITS.maxDepth, first: MAX_PAGE_SIZE, values: realArguments() });
    const { status, body } = await postBody(gateway.url, { query });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const data = body.data as { projects: { pipelines: { nodes: unknown[] } }[]; contexts: unknown[] };
    expect(data.projects.map((project) => project.pipelines.nodes.length)).toEqual([40, 40]);
    expect(data.contexts).toHaveLength(CONTEXTS);
    const cost = body.extensions?.cost;
    expect(cost?.requested).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxCost);
    expect(cost?.actual).toBe(objectsBelow(data));
    expect(cost?.actual).toBeLessThan(cost?.requested as number);
    expect(cost?.maximum).toBe(DEFAULT_QUERY_LIMITS.maxCost);
  });

  it("lets 100 pipelines with their whole trees through, counting what they really hold", async () => {
    const { status, body } = await postBody(gateway.url, { query: PIPELINE_TREES, variables: { slug: slugs[0] } });
    expect([status, body.errors]).toEqual([200, undefined]);
    expect(body.extensions?.cost).toEqual({ requested: 99_401, actual: objectsBelow(body.data), maximum: DEFAULT_QUERY_LIMITS.maxCost });
  });
});

describe("a lower maximum, through the settings", () => {
  it("stops an operation the estimate let through once it has produced the maximum, as its data is larger than assumed", async () => {
    const maximum = 30;
    const strict = await startGateway({
      sim,
      redisUrl: redis.url,
      redisPrefix: "e2e-cost:",
      projectSlugs: slugs,
      syncIntervalSeconds: 0,
      settings: { GRAPHQL_MAX_COST: String(maximum) },
    });
    try {
      // 20 contexts assumed, 45 there: the estimate passes, the 31st context fails, and with it the non-null list.
      const { status, body } = await postBody(strict.url, { query: "{ contexts { name } }" });
      expect(status).toBe(200);
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([
        {
          message: expect.stringMatching(/^query cost passed the maximum of 30 \(GRAPHQL_MAX_COST\) during execution, as the data is larger than estimated: /),
          locations: expect.any(Array),
          path: ["contexts", maximum],
          extensions: { code: "QUERY_TOO_COMPLEX", limit: "GRAPHQL_MAX_COST", maximum },
        },
      ]);
      expect(body.extensions?.cost).toEqual({ requested: 20, actual: maximum, maximum });

      // Over the maximum by the estimate: refused before it runs, with the estimate and no actual cost.
      const refused = await postBody(strict.url, { query: `{ pipelines(projectSlug: ${JSON.stringify(slugs[0])}, first: 40) { nodes { id } } }` });
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "GRAPHQL_MAX_COST" });
      expect(refused.body.extensions?.cost).toEqual({ requested: 41, maximum });
    } finally {
      await strict.stop();
    }
  });
});
