import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe } from "../../src/commands/serve.js";
import type { ServeHandle } from "../../src/commands/serve.js";
import { loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { costCenterOf, startCostCenterSubgraph } from "./cost-center-subgraph.js";
import type { CostCenterSubgraph } from "./cost-center-subgraph.js";
import { startApolloRouter, startHiveRouter } from "./routers.js";
import type { Router } from "./routers.js";

/**
 * This service as a subgraph of a federated supergraph: `serve` (embedded store, one sync cycle of the
 * simulator) answers at `/subgraph`, a second subgraph extends `Pipeline`, and two real routers compose both
 * from their `_service { sdl }` and plan queries across them: `@apollo/gateway` and Hive Gateway. All on 127.0.0.1.
 */
const ROUTERS = ["@apollo/gateway", "Hive Gateway"] as const;

let sim: Simulator;
let serve: ServeHandle;
let costs: CostCenterSubgraph;
let routers: Record<(typeof ROUTERS)[number], Router>;
let slug: string;
let auditedPipelineId: string;

beforeAll(async () => {
  sim = await startSimulator({ world: { seed: 5, projects: 1, pipelinesPerProject: 4, historyDays: 1 } });
  [slug] = [...sim.world.state.projects.keys()] as [string];
  auditedPipelineId = sim.world.state.pipelinesByProject.get(slug)?.[0] as string;
  serve = await startServeAfterOneCycle();
  costs = await startCostCenterSubgraph(auditedPipelineId);
  const subgraphs = [
    { name: "circleci", url: subgraphUrl() },
    { name: "costs", url: costs.url },
  ];
  const [apollo, hive] = await Promise.all([startApolloRouter(subgraphs), startHiveRouter(subgraphs)]);
  routers = { "@apollo/gateway": apollo, "Hive Gateway": hive };
}, 30_000);

afterAll(async () => {
  await Promise.all(Object.values(routers ?? {}).map((router) => router.stop()));
  await costs?.stop();
  await serve?.stop();
  await sim?.stop();
});

/** `serve` with the embedded store, resolved once its first sync cycle has stored the simulator's data. */
async function startServeAfterOneCycle(): Promise<ServeHandle> {
  const env = {
    CIRCLECI_TOKEN: sim.token,
    CIRCLECI_BASE_URL: sim.url,
    CIRCLECI_PROJECT_SLUGS: slug,
    PORT: "0",
    // The first cycle runs at start; the next one long after the test.
    SYNC_INTERVAL_SECONDS: "3600",
    CIRCLECI_REQUESTS_PER_SECOND: "1000",
  };
  let cycleDone!: () => void;
  const firstCycle = new Promise<void>((resolve) => (cycleDone = resolve));
  const handle = await startServe(loadConfig("serve", { env }).config, silentLogger, (line) => {
    if (line.startsWith("sync cycle done:")) cycleDone();
  });
  await firstCycle;
  return handle;
}

function subgraphUrl(): string {
  return new URL("/subgraph", serve.url).href;
}

interface GraphQLResponse<T> {
  status: number;
  data?: T;
  errors?: { message: string }[];
}

async function post<T>(url: string, query: string): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  return { status: response.status, ...((await response.json()) as { data?: T; errors?: { message: string }[] }) };
}

/** CircleCI's value as the schema's enum: upper-cased, `-` as `_`. */
const enumOf = (value: string) => value.toUpperCase().replaceAll("-", "_");

describe("the subgraph endpoint", () => {
  it("/subgraph serves the federated schema: @key entities, no Subscription root", async () => {
    const { data } = await post<{ _service: { sdl: string } }>(subgraphUrl(), "{ _service { sdl } }");
    const sdl = data?._service.sdl ?? "";
    expect(sdl).toMatch(/type Pipeline\b[^{]*@key\(fields: "id"\)/);
    expect(sdl).not.toContain("Subscription");
  });

  it("/graphql keeps the product schema: subscriptions, and no federation fields", async () => {
    const { data } = await post<{ __schema: { subscriptionType: { name: string } | null } }>(serve.url, "{ __schema { subscriptionType { name } } }");
    expect(data?.__schema.subscriptionType).toEqual({ name: "Subscription" });
    const invalid = await post(serve.url, "{ _service { sdl } }");
    expect(invalid.status).toBe(400);
    expect(invalid.errors?.map(({ message }) => message)).toEqual(['Cannot query field "_service" on type "Query".']);
  });
});

describe.each(ROUTERS)("the supergraph composed by %s", (name) => {
  it("answers one query with this service's pipelines and the other subgraph's costCenter, in one reference batch", async () => {
    const batchesBefore = costs.referenceBatches.length;
    const { data, errors } = await post<{ pipelines: { nodes: { id: string; number: number; state: string; costCenter: string }[] } }>(
      routers[name].url,
      `{ pipelines(projectSlug: "${slug}", first: 10) { nodes { id number state costCenter } } }`,
    );
    expect(errors).toBeUndefined();
    const ids = sim.world.state.pipelinesByProject.get(slug) ?? [];
    const expected = ids
      .map((id) => sim.world.state.pipelines.get(id))
      .filter((pipeline) => pipeline !== undefined)
      .sort((a, b) => b.number - a.number)
      .map((pipeline) => ({ id: pipeline.id, number: pipeline.number, state: enumOf(pipeline.state), costCenter: costCenterOf(pipeline.id) }));
    expect(expected).toHaveLength(4);
    expect(data?.pipelines.nodes).toEqual(expected);
    expect(costs.referenceBatches.slice(batchesBefore)).toEqual([expected.map(({ id }) => id)]);
  });

  it("resolves the other subgraph's bare Pipeline reference through this service's _entities", async () => {
    const { data, errors } = await post<{ auditedPipeline: { id: string; number: number; costCenter: string; workflows: { name: string }[] } }>(
      routers[name].url,
      "{ auditedPipeline { id number costCenter workflows { name } } }",
    );
    expect(errors).toBeUndefined();
    const { state } = sim.world;
    expect(data?.auditedPipeline).toEqual({
      id: auditedPipelineId,
      number: state.pipelines.get(auditedPipelineId)?.number,
      costCenter: costCenterOf(auditedPipelineId),
      workflows: (state.workflowsByPipeline.get(auditedPipelineId) ?? []).map((id) => ({ name: state.workflows.get(id)?.name })),
    });
  });
});
