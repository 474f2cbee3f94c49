import { buildSubgraphSchema } from "@apollo/subgraph";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { parse, printSchema } from "graphql";
import type { GraphQLSchema } from "graphql";
import { createPubSub } from "@graphql-yoga/subscription";
import { buildSchema, createResolversMap } from "type-graphql";
import type { PubSub } from "type-graphql";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper/index.js";
import type { GatewayContext } from "./context.js";
import { AnswersResolver, ProjectAnswersResolver } from "./answers.js";
import { JobDetailResolver, JobResolver, PipelineResolver, ProjectResolver, WorkflowResolver } from "./entities.js";
import { referenceResolvers } from "./federation.js";
import { MutationResolver } from "./mutation.js";
import { QueryResolver } from "./query.js";
import { SubscriptionResolver } from "./subscription.js";

/** Everything but subscriptions: the queries, the answers, the mutations and the fields that link entities. */
const RESOLVERS = [QueryResolver, AnswersResolver, MutationResolver, ProjectResolver, ProjectAnswersResolver, PipelineResolver, WorkflowResolver, JobResolver, JobDetailResolver] as const;

export interface GatewaySchemaOptions {
  /** Carries change events to subscriptions; `forwardChangeEvents` fills it from the event bus. */
  pubSub: PubSub;
}

/** The service's own schema: queries, mutations and subscriptions. Resolvers expect a `GatewayContext`. */
export function buildGatewaySchema(options: GatewaySchemaOptions): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: [...RESOLVERS, SubscriptionResolver], pubSub: options.pubSub, validate: false });
}

/** Federation v2 directives the printed schema uses. */
const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

/**
 * The schema as an Apollo Federation v2 subgraph: `@key` entities with reference resolvers, `_service` and
 * `_entities`, and the same mutations (under the same permission rule, which the pipeline applies). Without the
 * Subscription root: a federated gateway does not run subscriptions, clients keep using
 * this service's own WebSocket endpoint for them.
 */
export async function buildFederatedSubgraphSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({ resolvers: [...RESOLVERS], validate: false });
  const typeDefs = parse(`${FEDERATION_LINK}\n\n${printSchemaWithDirectives(schema)}`);
  // type-graphql's map (scalars, enums, fields) is what Apollo's map is, with looser static types.
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<GatewayContext>;
  return buildSubgraphSchema([{ typeDefs, resolvers: withReferenceResolvers(resolvers) }]);
}

function withReferenceResolvers(resolvers: GraphQLResolverMap<GatewayContext>): GraphQLResolverMap<GatewayContext> {
  const merged = { ...resolvers };
  for (const [typeName, entityResolvers] of Object.entries(referenceResolvers)) {
    merged[typeName] = { ...resolvers[typeName], ...entityResolvers } as GraphQLResolverMap<GatewayContext>[string];
  }
  return merged;
}

/** The SDL of `buildGatewaySchema`, as committed in `schema.graphql`. */
export async function printGatewaySchema(): Promise<string> {
  return `${printSchema(await buildGatewaySchema({ pubSub: createPubSub() }))}\n`;
}
