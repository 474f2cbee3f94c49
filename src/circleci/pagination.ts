import { CircleCIError, PaginationError } from "./errors.js";
import type { PageEnvelope } from "./schemas.js";

/** One page of a list: the items that fit their schema, and how many did not (rejected and left out). */
export interface Page<T> {
  items: T[];
  rejected: number;
}

export interface PageWalk<T> {
  /** Route template, for errors. */
  endpoint: string;
  /** Fetches one validated envelope; `pageToken` is undefined for the first page. */
  fetchPage(pageToken: string | undefined): Promise<PageEnvelope>;
  /** The item, or `undefined` when it does not fit its schema (the callee reports it). */
  parseItem(raw: unknown): T | undefined;
  /** Identity used to skip items already yielded when the walk restarts. */
  idOf(item: T): string;
  /** Pages fetched before the walk gives up, restarts included. */
  maxPages: number;
  onRestart?(): void;
}

function isNotFound(error: unknown): boolean {
  return error instanceof CircleCIError && error.status === 404;
}

/**
 * Walks `next_page_token` lazily: a page is fetched only when the consumer asks for it, so
 * `break` stops fetching. Ends on a null or absent token. Never loops: a token seen before, or
 * more than `maxPages` pages, ends the walk with a `PaginationError`.
 *
 * Page tokens can expire mid-walk (a 404, API.md §2): the walk then restarts once from page 1
 * and skips the ids it already yielded; a second expiry fails.
 */
export async function* walkPages<T>(walk: PageWalk<T>): AsyncGenerator<Page<T>, void, undefined> {
  const yielded = new Set<string>();
  let tokensSeen = new Set<string>();
  let pageToken: string | undefined;
  let restarted = false;
  let pagesFetched = 0;
  for (;;) {
    if (pagesFetched >= walk.maxPages) {
      throw new PaginationError(`it read maxPages (${walk.maxPages}) pages without reaching the last one`, {
        endpoint: walk.endpoint,
      });
    }
    let envelope: PageEnvelope;
    try {
      envelope = await walk.fetchPage(pageToken);
    } catch (error) {
      if (pageToken === undefined || !isNotFound(error)) throw error;
      if (restarted) {
        throw new PaginationError("a page token expired (404) again after the walk had restarted from page 1", {
          endpoint: walk.endpoint,
          status: 404,
        });
      }
      restarted = true;
      pageToken = undefined;
      tokensSeen = new Set();
      walk.onRestart?.();
      continue;
    }
    pagesFetched += 1;
    yield collectPage(envelope.items, walk, yielded);

    const next = envelope.next_page_token;
    if (next == null) return;
    if (tokensSeen.has(next) || next === pageToken) {
      throw new PaginationError("CircleCI returned a page token it had already returned, so the next page would repeat", {
        endpoint: walk.endpoint,
      });
    }
    tokensSeen.add(next);
    pageToken = next;
  }
}

function collectPage<T>(rawItems: unknown[], walk: PageWalk<T>, yielded: Set<string>): Page<T> {
  const page: Page<T> = { items: [], rejected: 0 };
  for (const raw of rawItems) {
    const item = walk.parseItem(raw);
    if (item === undefined) {
      page.rejected += 1;
      continue;
    }
    const id = walk.idOf(item);
    if (yielded.has(id)) continue;
    yielded.add(id);
    page.items.push(item);
  }
  return page;
}

/** The items of every page, in order. */
export async function* itemsOf<T>(pages: AsyncIterable<Page<T>>): AsyncGenerator<T, void, undefined> {
  for await (const page of pages) yield* page.items;
}
