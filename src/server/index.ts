export { authenticate, createApiKeyMatcher, createAuthenticator, parseBasicPassword, parseBearerToken, PUBLIC_CALLER, requireApiKey, webSocketAuthorization } from "./auth.js";
export type { KeySchemes } from "./auth.js";
export type { ApiKeyMatcher, Authenticator, AuthFailure, AuthOutcome } from "./auth.js";
export { AnswerCacheWithoutInvalidationsError, createGatewayServer, GatewayServerNotListeningError, GRAPHQL_PATH, METRICS_PATH, SUBGRAPH_PATH } from "./create-server.js";
export type { GatewayRoute, GatewayServer, GatewayServerOptions } from "./create-server.js";
export { healthRoutes, storeReadiness } from "./health.js";
export type { Readiness, ReadinessCheck } from "./health.js";
