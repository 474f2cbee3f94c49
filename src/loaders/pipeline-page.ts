/**
 * `Loaders.pipelinePage`. A project the sync covers is paged from the store (its listing is the sync's window),
 * the listing kept in the L1 until a pipeline joins or leaves the project's index; any other project is paged from
 * CircleCI's own list, its pipelines primed for the request, so the rest of the query does not ask for them again.
 * While the store does not answer, every project is paged from CircleCI.
 */
import type DataLoader from "dataloader";
import type { Pipeline } from "../circleci/index.js";
import { projectKey } from "../project-slug.js";
import type { Store } from "../store/store.js";
import { tags } from "../store/tags.js";
import { assertPageSize, decodeCursor, encodeCursor } from "./cursor.js";
import type { FetchedPage, PageRequest, RequestFallthrough } from "./fallthrough.js";
import { l1Key } from "./l1-cache.js";
import { answered } from "./layered-load.js";
import type { RequestContext } from "./layered-load.js";
import type { PipelinePage, PipelinePageOptions } from "./loaders.js";

export interface PageSources extends RequestContext {
  store: Store;
  fallthrough: RequestFallthrough;
  pipelines: DataLoader<string, Pipeline | null>;
  /** Whether the sync has listed this project's pipelines (by its key) at least once. */
  isSynced(projectSlug: string): Promise<boolean>;
}

interface Listing {
  ids: string[];
  hasMore: boolean;
}

export async function loadPipelinePage(sources: PageSources, projectSlug: string, options: PipelinePageOptions): Promise<PipelinePage> {
  assertPageSize(options.first);
  const cursor = options.after === undefined ? undefined : decodeCursor(options.after);
  const request: PageRequest = { projectSlug, branch: options.branch, first: options.first, cursor };
  const { createdSince } = options;
  const page = (await sources.isSynced(projectKey(projectSlug))) ? await storePage(sources, request, createdSince) : createdSinceOnly(await circleciPage(sources, request), createdSince);
  const last = page.pipelines.at(-1);
  return { ...page, endCursor: last === undefined ? null : encodeCursor(last) };
}

async function storePage(sources: PageSources, request: PageRequest, createdSince: string | undefined): Promise<FetchedPage> {
  const listing = await storeListing(sources, request, createdSince);
  if (listing === undefined) return createdSinceOnly(await circleciPage(sources, request), createdSince);
  const loaded = await sources.pipelines.loadMany(listing.ids);
  const failure = loaded.find((value) => value instanceof Error);
  if (failure !== undefined) throw failure;
  // A pipeline can only vanish between the two reads if it is gone upstream: the page leaves it out.
  return { pipelines: loaded.filter(isPipeline), hasNextPage: listing.hasMore };
}

/** The page's pipeline ids from the L1 or the store; undefined while the store does not answer. */
async function storeListing(sources: PageSources, request: PageRequest, createdSince: string | undefined): Promise<Listing | undefined> {
  const { branch, first, cursor } = request;
  const projectSlug = projectKey(request.projectSlug);
  const key = l1Key("listing", `${projectSlug}\u0000${branch ?? ""}\u0000${cursor?.id ?? ""}\u0000${first}\u0000${createdSince ?? ""}`);
  const hit = sources.l1.get<Listing>(key);
  if (hit !== undefined) {
    sources.stats.l1.hits += 1;
    return answered(hit, sources.tracker);
  }
  sources.stats.l1.misses += 1;
  let entry = sources.l1.reading<Listing>(key);
  if (entry === undefined) {
    const read = sources.outage.read(() => sources.store.listPipelineIds(projectSlug, { branch, first, after: cursor?.id, ...(createdSince === undefined ? {} : { createdSince }) }), undefined);
    entry = read.then((listing) => (listing === undefined ? undefined : { value: listing, tags: [tags.pipelineListing(projectSlug)] }));
    sources.l1.track(key, entry);
  }
  const found = await entry;
  return found === undefined ? undefined : answered(found, sources.tracker);
}

async function circleciPage(sources: PageSources, request: PageRequest): Promise<FetchedPage> {
  sources.tracker.unstored();
  const page = await sources.fallthrough.pipelinePage(request);
  for (const pipeline of page.pipelines) sources.pipelines.prime(pipeline.id, pipeline);
  return page;
}

/** CircleCI's page down to `createdSince`, as the store lists it: the page ends before the first older pipeline. */
function createdSinceOnly(page: FetchedPage, createdSince: string | undefined): FetchedPage {
  if (createdSince === undefined) return page;
  const since = Date.parse(createdSince);
  const older = page.pipelines.findIndex((pipeline) => Date.parse(pipeline.created_at) < since);
  return older === -1 ? page : { pipelines: page.pipelines.slice(0, older), hasNextPage: false };
}

function isPipeline(value: Pipeline | null | Error): value is Pipeline {
  return value !== null && !(value instanceof Error);
}
