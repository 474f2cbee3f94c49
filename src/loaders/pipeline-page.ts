/**
 * `Loaders.pipelinePage`. A project the sync covers is paged from the store (its listing is the sync's
 * window); any other project is paged from CircleCI's own list, the page kept in the L1 and its
 * pipelines primed for the request, so the rest of the query does not ask for them again. While the store
 * does not answer, every project is paged from CircleCI.
 */
import type DataLoader from "dataloader";
import type { Pipeline } from "../circleci/index.js";
import { projectKey } from "../project-slug.js";
import type { Store } from "../store/store.js";
import { assertPageSize, decodeCursor, encodeCursor } from "./cursor.js";
import type { FetchedPage, PageRequest, RequestFallthrough } from "./fallthrough.js";
import { pageKey } from "./fallthrough.js";
import type { L1Cache } from "./l1-cache.js";
import type { PipelinePage, PipelinePageOptions } from "./loaders.js";
import type { LoaderStats } from "./stats.js";
import type { StoreOutage } from "./store-outage.js";

export interface PageSources {
  store: Store;
  l1: L1Cache;
  stats: LoaderStats;
  outage: StoreOutage;
  fallthrough: RequestFallthrough;
  pipelines: DataLoader<string, Pipeline | null>;
  /** Whether the sync has listed this project's pipelines (by its key) at least once. */
  isSynced(projectSlug: string): Promise<boolean>;
}

export async function loadPipelinePage(sources: PageSources, projectSlug: string, options: PipelinePageOptions): Promise<PipelinePage> {
  assertPageSize(options.first);
  const cursor = options.after === undefined ? undefined : decodeCursor(options.after);
  const request: PageRequest = { projectSlug, branch: options.branch, first: options.first, cursor };
  const page = (await sources.isSynced(projectKey(projectSlug))) ? await storePage(sources, request) : await circleciPage(sources, request);
  const last = page.pipelines.at(-1);
  return { ...page, endCursor: last === undefined ? null : encodeCursor(last) };
}

async function storePage(sources: PageSources, request: PageRequest): Promise<FetchedPage> {
  const listing = await sources.outage.read(
    () => sources.store.listPipelineIds(projectKey(request.projectSlug), { branch: request.branch, first: request.first, after: request.cursor?.id }),
    undefined,
  );
  if (listing === undefined) return circleciPage(sources, request);
  const { ids, hasMore } = listing;
  const loaded = await sources.pipelines.loadMany(ids);
  const failure = loaded.find((value) => value instanceof Error);
  if (failure !== undefined) throw failure;
  // A pipeline can only vanish between the two reads if it is gone upstream: the page leaves it out.
  return { pipelines: loaded.filter(isPipeline), hasNextPage: hasMore };
}

async function circleciPage(sources: PageSources, request: PageRequest): Promise<FetchedPage> {
  const cached = sources.l1.get<FetchedPage>(pageKey(request));
  if (cached === undefined) sources.stats.l1.misses += 1;
  else sources.stats.l1.hits += 1;
  const page = cached?.value ?? (await sources.fallthrough.pipelinePage(request));
  for (const pipeline of page.pipelines) sources.pipelines.prime(pipeline.id, pipeline);
  return page;
}

function isPipeline(value: Pipeline | null | Error): value is Pipeline {
  return value !== null && !(value instanceof Error);
}
