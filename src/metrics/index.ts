export { createGatewayMetrics, cycleOutcome } from "./gateway-metrics.js";
export type { GatewayMetrics, MetricSources } from "./gateway-metrics.js";
export { requestTiming, timeRootResolvers } from "./graphql-timing.js";
