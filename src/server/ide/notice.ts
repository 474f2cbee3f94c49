import type { GraphqlIde } from "./ide-setting.js";
import { GRAPHIQL_PATH } from "./pages.js";

/** The start-up line that says where a person finds the IDE, for the GraphQL endpoint at `graphqlUrl`. */
export function ideNotice(ide: GraphqlIde, graphqlUrl: string): string {
  const graphiql = new URL(GRAPHIQL_PATH, graphqlUrl).href;
  switch (ide) {
    case "sandbox":
      return `IDE: open ${graphqlUrl} in a browser for Apollo Sandbox (loaded from Apollo's CDN: needs internet), or ${graphiql} for GraphiQL (served by the gateway: works offline).`;
    case "graphiql":
      return `IDE: open ${graphqlUrl} (or ${graphiql}) in a browser for GraphiQL (served by the gateway: works offline).`;
    case "off":
      return "IDE: off (GRAPHQL_IDE=off): a browser GET of the endpoint answers 406 with how to query it.";
  }
}
