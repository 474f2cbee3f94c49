import { LoaderInputError, MAX_PAGE_SIZE } from "../loaders/index.js";
import type { Loaders, PipelinePage } from "../loaders/index.js";
import { encodeCursor } from "../loaders/cursor.js";
import type { PipelineConnection } from "../schema/connection.js";
import { badUserInput } from "./errors.js";
import { mapPipeline } from "./map.js";

/** `first` when the client does not say. */
export const DEFAULT_PAGE_SIZE = 20;

export interface PipelinePageArgs {
  branch?: string | null;
  first?: number | null;
  after?: string | null;
}

/** `Query.pipelines` and `Project.pipelines`: a page of a project's pipelines, newest first. */
export async function loadPipelineConnection(loaders: Loaders, projectSlug: string, args: PipelinePageArgs): Promise<PipelineConnection> {
  const first = checkPageSize(args.first ?? DEFAULT_PAGE_SIZE);
  const page = await loadPage(loaders, projectSlug, { branch: args.branch ?? undefined, first, after: args.after ?? undefined });
  return toConnection(page);
}

/** More than the cap is an error, never a silent truncation: a client must not believe it has everything. */
function checkPageSize(first: number): number {
  if (first < 1 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`\`first\` must be between 1 and ${MAX_PAGE_SIZE} (got ${first}): ask for smaller pages and follow \`endCursor\``);
  }
  return first;
}

async function loadPage(loaders: Loaders, projectSlug: string, options: Parameters<Loaders["pipelinePage"]>[1]): Promise<PipelinePage> {
  try {
    return await loaders.pipelinePage(projectSlug, options);
  } catch (error) {
    if (error instanceof LoaderInputError) throw badUserInput(error.message);
    throw error;
  }
}

function toConnection({ pipelines, hasNextPage }: PipelinePage): PipelineConnection {
  const edges = pipelines.map((pipeline) => ({ cursor: encodeCursor(pipeline), node: mapPipeline(pipeline) }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
