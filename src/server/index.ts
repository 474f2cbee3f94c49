export { authenticate, createApiKeyMatcher, parseBearerToken, requireApiKey, webSocketAuthorization } from "./auth.js";
export type { ApiKeyMatcher, AuthFailure, AuthOutcome } from "./auth.js";
export { createGatewayServer, GatewayServerNotListeningError, GRAPHQL_PATH, METRICS_PATH, SUBGRAPH_PATH } from "./create-server.js";
export type { GatewayServer, GatewayServerOptions } from "./create-server.js";
export { healthRoutes, storeReadiness } from "./health.js";
export type { Readiness, ReadinessCheck } from "./health.js";
