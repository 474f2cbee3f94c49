import { graphql } from "graphql";
import type { GraphQLSchema } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFederatedSubgraphSchema } from "../../src/resolvers/build-schema.js";
import { startSchemaRig } from "./rig.js";
import type { SchemaRig } from "./rig.js";

let rig: SchemaRig;
let subgraph: GraphQLSchema;
beforeAll(async () => {
  rig = await startSchemaRig();
  subgraph = await buildFederatedSubgraphSchema();
});
afterAll(() => rig.close());

async function run(source: string, variables?: Record<string, unknown>) {
  return graphql({ schema: subgraph, source, variableValues: variables, contextValue: rig.context() });
}

/** The SDL block of one type, from `type Name` to its closing brace. */
function typeBlock(sdl: string, name: string): string {
  return new RegExp(`type ${name}\\b[^{]*\\{`).exec(sdl)?.[0] ?? "";
}

describe("the federated subgraph", () => {
  it("_service.sdl: Federation v2 entities with @key, and no Subscription root", async () => {
    const result = await run("{ _service { sdl } }");
    expect(result.errors).toBeUndefined();
    const sdl = (result.data as { _service: { sdl: string } })._service.sdl;
    expect(sdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    expect(typeBlock(sdl, "Project")).toContain('@key(fields: "slug")');
    for (const entity of ["Pipeline", "Workflow", "Job"]) expect(typeBlock(sdl, entity)).toContain('@key(fields: "id")');
    expect(typeBlock(sdl, "JobDetail")).not.toContain("@key");
    expect(sdl).not.toContain("Subscription");
    expect(sdl).toContain("pipelines(");
  });

  it("_entities resolves references through the loaders, null for unknown ones", async () => {
    const { state } = rig.sync.sim.world;
    const slug = rig.sync.slugs[0] as string;
    const pipelineId = state.pipelinesByProject.get(slug)?.[0] as string;
    const workflowId = state.workflowsByPipeline.get(pipelineId)?.[0] as string;
    const result = await run(
      /* GraphQL */ `
        query ($representations: [_Any!]!) {
          _entities(representations: $representations) {
            __typename
            ... on Project { slug name }
            ... on Pipeline { id number workflows { id } }
            ... on Workflow { id name }
          }
        }
      `,
      {
        representations: [
          { __typename: "Project", slug },
          { __typename: "Pipeline", id: pipelineId },
          { __typename: "Workflow", id: workflowId },
          { __typename: "Pipeline", id: "00000000-0000-4000-8000-000000000000" },
        ],
      },
    );
    expect(result.errors).toBeUndefined();
    expect((result.data as { _entities: unknown[] })._entities).toEqual([
      { __typename: "Project", slug, name: state.projects.get(slug)?.name },
      {
        __typename: "Pipeline",
        id: pipelineId,
        number: state.pipelines.get(pipelineId)?.number,
        workflows: (state.workflowsByPipeline.get(pipelineId) ?? []).map((id) => ({ id })),
      },
      { __typename: "Workflow", id: workflowId, name: state.workflows.get(workflowId)?.name },
      null,
    ]);
  });

  it("_entities resolves job references from the store in one batch, without CircleCI; null for unknown ones", async () => {
    const { store, sim } = rig.sync;
    const storedIds = (await store.jobIdsOf([...sim.world.state.jobsByWorkflow.keys()])).flat().slice(0, 3);
    const jobs = (await store.getJobs(storedIds)).filter((job) => job !== undefined);
    expect(jobs).toHaveLength(3);
    const before = rig.factory.stats;
    const result = await run(
      /* GraphQL */ `
        query ($representations: [_Any!]!) {
          _entities(representations: $representations) { ... on Job { id name status } }
        }
      `,
      { representations: [...jobs.map(({ id }) => ({ __typename: "Job", id })), { __typename: "Job", id: "00000000-0000-4000-8000-000000000000" }] },
    );
    expect(result.errors).toBeUndefined();
    expect((result.data as { _entities: unknown[] })._entities).toEqual([
      ...jobs.map((job) => ({ id: job.id, name: job.name, status: job.status.toUpperCase().replaceAll("-", "_") })),
      null,
    ]);
    const after = rig.factory.stats;
    // The unknown id too is the store's answer: CircleCI cannot look a job up by id.
    expect(after.store.hits - before.store.hits).toBe(4);
    expect(after.store.misses - before.store.misses).toBe(0);
    expect(after.circleci).toEqual(before.circleci);
  });

  it("serves the same queries as the gateway schema", async () => {
    const result = await run("{ projects { slug } }");
    expect(result.data).toEqual({ projects: rig.sync.slugs.map((slug) => ({ slug })) });
  });
});
