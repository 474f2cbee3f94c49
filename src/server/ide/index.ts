export { IdeAssetMissingError, loadIdeAssets } from "./assets.js";
export type { IdeAsset, IdeAssets } from "./assets.js";
export { DEFAULT_GRAPHQL_IDE, GRAPHQL_IDES, IDE_SETTING } from "./ide-setting.js";
export type { GraphqlIde } from "./ide-setting.js";
export { ideNotice } from "./notice.js";
export { ASSETS_PATH, GRAPHIQL_CONTENT_SECURITY_POLICY, GRAPHIQL_PATH, SANDBOX_SCRIPT_URL } from "./pages.js";
export { createIdeRoutes } from "./routes.js";
export type { IdeOptions, IdeRequestHandler } from "./routes.js";
