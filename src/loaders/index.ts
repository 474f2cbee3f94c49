export {
  createLoaderFactory,
  DEFAULT_CONCURRENCY,
  DEFAULT_L1_MAX_ENTRIES,
} from "./create-loaders.js";
export type { LoaderFactory, LoaderFactoryOptions, RequestOptions } from "./create-loaders.js";
export type { Loaders, PipelinePage, PipelinePageOptions } from "./loaders.js";
export type { LayerCounts, LoaderStats } from "./stats.js";
export { InvalidCursorError, InvalidPageSizeError, LoaderInputError } from "./errors.js";
export { MAX_PAGE_SIZE } from "./cursor.js";
export { loadNow } from "./layered-loader.js";
export type { ReadTracker } from "./read-tracker.js";
export { untrackedReads } from "./read-tracker.js";
