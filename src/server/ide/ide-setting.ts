/**
 * What a browser GET of the GraphQL endpoint shows (`GRAPHQL_IDE`): Apollo Sandbox (its JavaScript comes from
 * Apollo's CDN), GraphiQL (served by the gateway itself, so it works offline), or nothing but a note on how to query.
 */
export const GRAPHQL_IDES = ["sandbox", "graphiql", "off"] as const;

export type GraphqlIde = (typeof GRAPHQL_IDES)[number];

export const IDE_SETTING = "GRAPHQL_IDE";

export const DEFAULT_GRAPHQL_IDE: GraphqlIde = "sandbox";
