export { createGatewayServer, GatewayServerNotListeningError, GRAPHQL_PATH, SUBGRAPH_PATH } from "./create-server.js";
export type { GatewayServer, GatewayServerOptions } from "./create-server.js";
export { healthRoutes, storeReadiness } from "./health.js";
export type { Readiness, ReadinessCheck } from "./health.js";
