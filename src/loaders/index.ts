export {
  createLoaderFactory,
  DEFAULT_CONCURRENCY,
  DEFAULT_L1_MAX_ENTRIES,
  DEFAULT_L1_TTL_MS,
} from "./create-loaders.js";
export type { LoaderFactory, LoaderFactoryOptions } from "./create-loaders.js";
export type { Loaders, PipelinePage, PipelinePageOptions } from "./loaders.js";
export type { LayerCounts, LoaderStats } from "./stats.js";
export { InvalidCursorError, InvalidPageSizeError, LoaderInputError } from "./errors.js";
export { MAX_PAGE_SIZE } from "./cursor.js";
export { loadNow } from "./layered-loader.js";
