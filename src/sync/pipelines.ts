/**
 * A project's pipelines stream: walk the list newest first through the window, sync each page's
 * pipelines with their trees, re-poll the active ones the window did not reach, then move the
 * high-water mark. Before its first walk on a store, it has the writer build the project's status
 * board index from what the store already holds (nothing, on a new store). The cursor moves last, so a cycle stopped at any point is redone from the same
 * window and converges.
 */
import type { Pipeline } from "../circleci/index.js";
import type { ActivePipeline } from "../store/store.js";
import { boardIndexCursorName } from "../writer/index.js";
import { mapConcurrent } from "./map-concurrent.js";
import { readOne } from "./read-one.js";
import { syncPipelineTrees } from "./pipeline-tree.js";
import { rejectInto } from "./report.js";
import type { TreeSyncContext } from "./pipeline-tree.js";
import { isInWindow, isPastWindow, nextHighWaterMark, pipelineCursorName, windowCoverage, windowStart } from "./window.js";

export interface PipelineSyncOptions extends Omit<TreeSyncContext, "activeIds" | "backfilling"> {
  /** This project's pipelines in the active set. */
  active: readonly ActivePipeline[];
  now: number;
  lookbackHours: number;
  backfillDays: number;
  retentionDays?: number;
  /** After each page of the walk: its size, and how much of the window the walk has covered (0 to 1). */
  onPage(items: number, covered: number): void;
}

/** Active pipelines outside the window are fetched and synced this many at a time. */
const ACTIVE_BATCH_SIZE = 20;

export async function syncProjectPipelines(options: PipelineSyncOptions): Promise<void> {
  const { client, store, projectSlug, tallies } = options;
  const cursorName = pipelineCursorName(projectSlug);
  const [highWaterMark, boardIndexBuilt] = await store.getCursors([cursorName, boardIndexCursorName(projectSlug)]);
  if (boardIndexBuilt === undefined) await options.writer.buildBoardIndex(projectSlug);
  const start = windowStart({ ...options, highWaterMark });
  const backfilling = highWaterMark === undefined;
  const context: TreeSyncContext = { ...options, activeIds: new Set(options.active.map(({ id }) => id)), backfilling };

  const inWindow: Pipeline[] = [];
  for await (const page of client.pipelinePages(options.upstreamSlug, { onRejected: rejectInto(tallies.pipelines) })) {
    options.checkpoint();
    tallies.pipelines.pages += 1;
    options.onPage(page.items.length, isPastWindow(page.items, start) ? 1 : windowCoverage(page.items, start, options.now));
    const kept = page.items.filter((pipeline) => isInWindow(pipeline, start));
    await syncPipelineTrees(kept, context);
    inWindow.push(...kept);
    if (isPastWindow(page.items, start)) break;
  }

  const walked = new Set(inWindow.map(({ id }) => id));
  const outside = options.active.filter(({ id }) => !walked.has(id));
  for (let offset = 0; offset < outside.length; offset += ACTIVE_BATCH_SIZE) {
    options.checkpoint();
    await syncActiveBatch(outside.slice(offset, offset + ACTIVE_BATCH_SIZE), context);
  }

  options.checkpoint();
  await options.writer.setCursor(cursorName, nextHighWaterMark(highWaterMark, inWindow, start));
}

/**
 * Active pipelines older than the window: a workflow on hold for days is still re-polled. One that
 * CircleCI no longer serves (404: expired or hidden) leaves the active set rather than stall it; one
 * whose answer does not fit its schema stays in it, left out of this cycle only.
 */
async function syncActiveBatch(active: readonly ActivePipeline[], context: TreeSyncContext): Promise<void> {
  const outcomes = await mapConcurrent(active, context.concurrency, ({ id }) => readOne(context.client.getPipeline(id), context.tallies.pipelines));
  context.tallies.pipelines.pages += active.length;
  const gone = active.filter((_, index) => {
    const outcome = outcomes[index];
    return outcome !== undefined && "missing" in outcome && outcome.missing === "not-found";
  });
  await syncPipelineTrees(
    outcomes.flatMap((outcome): Pipeline[] => (outcome !== undefined && "found" in outcome ? [outcome.found] : [])),
    context,
  );
  if (gone.length === 0) return;
  context.checkpoint();
  await context.writer.leaveActiveSet(gone.map(({ id }) => id));
  for (const { id } of gone) context.activeIds.delete(id);
}
