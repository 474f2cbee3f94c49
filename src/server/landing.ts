import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import type { ApolloServerPlugin } from "@apollo/server";

/**
 * Apollo Sandbox on a browser `GET /graphql` (`Accept: text/html`). The page is a small HTML shell that loads
 * Sandbox's JavaScript from Apollo's CDN (embeddable-sandbox.cdn.apollographql.com): on a machine without internet
 * it shows "Apollo Sandbox cannot be loaded", while the endpoint itself keeps working.
 */
export function sandboxLandingPage(): ApolloServerPlugin {
  // Cookies stay out: the gateway authenticates with a bearer key, never with a browser session.
  return ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false });
}
