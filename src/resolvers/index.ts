export { buildFederatedSubgraphSchema, buildGatewaySchema, printGatewaySchema } from "./build-schema.js";
export type { GatewaySchemaOptions } from "./build-schema.js";
export type { GatewayContext } from "./context.js";
export { CHANGE_TOPICS, forwardChangeEvents } from "./change-topics.js";
export { BAD_USER_INPUT, CIRCLECI_ERROR, CIRCLECI_UNAVAILABLE, gatewayErrorCode } from "./errors.js";
export { DEFAULT_PAGE_SIZE } from "./pipeline-connection.js";
