import { ApolloServer } from "@apollo/server";
import type { ApolloServerPlugin } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";

/**
 * A second, unrelated subgraph for the composition test: it extends this service's `Pipeline` entity with a
 * `costCenter`, and owns one root field that returns a bare pipeline reference, so the gateway has to ask
 * this service's `_entities` for the rest. It records the pipeline references of each `_entities` request, to count the batches.
 */
export interface CostCenterSubgraph {
  /** The subgraph's GraphQL endpoint on 127.0.0.1. */
  readonly url: string;
  /** The pipeline ids of each `_entities` call, in order. */
  readonly referenceBatches: string[][];
  stop(): Promise<void>;
}

const TYPE_DEFS = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Pipeline @key(fields: "id") {
    id: ID!
    costCenter: String!
  }

  type Query {
    "The pipeline the finance team looks at first: a reference this subgraph knows by id only."
    auditedPipeline: Pipeline
  }
`);

/** What the cost center of a pipeline is, derived from its id so the test can predict it. */
export function costCenterOf(pipelineId: string): string {
  return `cc-${pipelineId.slice(0, 8)}`;
}

export async function startCostCenterSubgraph(auditedPipelineId: string): Promise<CostCenterSubgraph> {
  const referenceBatches: string[][] = [];
  const resolvers = {
    Query: { auditedPipeline: () => ({ id: auditedPipelineId }) },
    Pipeline: { costCenter: ({ id }: { id: string }) => costCenterOf(id) },
  };
  const recordReferences: ApolloServerPlugin = {
    async requestDidStart({ request }) {
      const representations = request.variables?.["representations"] as { id: string }[] | undefined;
      if (representations !== undefined) referenceBatches.push(representations.map(({ id }) => id));
    },
  };
  const server = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs: TYPE_DEFS, resolvers }]), plugins: [recordReferences] });
  const { url } = await startStandaloneServer(server, { listen: { host: "127.0.0.1", port: 0 } });
  return { url, referenceBatches, stop: () => server.stop() };
}
