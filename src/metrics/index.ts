export { createGatewayMetrics, cycleOutcome } from "./gateway-metrics.js";
export type { GatewayMetrics, MetricSources } from "./gateway-metrics.js";
export { requestTimingPlugin, timeRootResolvers } from "./graphql-timing.js";
