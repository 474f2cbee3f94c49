import type { TokenSealer } from "./sealed-token.js";

/** How the last page of a list ends: CircleCI sends `next_page_token: null`, and has been seen omitting it (API.md §2). */
export type LastPageStyle = "null" | "absent";

export interface Page<T> {
  items: T[];
  next_page_token?: string | null;
}

export interface PageTokenOptions {
  sealer: TokenSealer;
  /** Real-time lifetime of a token; null = never expires. */
  ttlMs: number | null;
  /** Real clock, injectable for tests of expiry. */
  now?: () => number;
}

interface Cursor {
  /** Key of the last item already served. */
  after: string;
  /** When the token was issued (real time, epoch ms). */
  issued: number;
}

/**
 * Keyset page tokens: a token names the last item served rather than an offset, so items that
 * arrive at the head of a newest-first list while a client walks it neither repeat nor shift the
 * walk, as with CircleCI. A token is only valid for the exact list (path + filters) it came from.
 */
export class PageTokens {
  readonly #sealer: TokenSealer;
  readonly #ttlMs: number | null;
  readonly #now: () => number;

  constructor(options: PageTokenOptions) {
    this.#sealer = options.sealer;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  issue(listScope: string, afterKey: string): string {
    const cursor: Cursor = { after: afterKey, issued: this.#now() };
    return this.#sealer.seal(cursor, listScope);
  }

  /** The key to resume after, or undefined for a garbled, foreign or expired token. */
  resume(listScope: string, token: string): string | undefined {
    const cursor = this.#sealer.open(token, listScope);
    if (!isCursor(cursor)) return undefined;
    if (this.#ttlMs != null && this.#now() - cursor.issued > this.#ttlMs) return undefined;
    return cursor.after;
  }
}

function isCursor(value: unknown): value is Cursor {
  if (typeof value !== "object" || value === null) return false;
  const { after, issued } = value as Record<string, unknown>;
  return typeof after === "string" && typeof issued === "number";
}

export interface PageRequest {
  /** Identifies the list: endpoint, path parameters and filters. */
  listScope: string;
  pageToken: string | null;
  pageSize: number;
  lastPage: LastPageStyle;
}

/** One page of `items`, or undefined when the page token cannot be honoured (CircleCI: 404 "Not Found"). */
export function paginate<T>(items: readonly T[], keyOf: (item: T) => string, request: PageRequest, tokens: PageTokens): Page<T> | undefined {
  let start = 0;
  if (request.pageToken !== null) {
    const after = tokens.resume(request.listScope, request.pageToken);
    if (after === undefined) return undefined;
    const index = items.findIndex((item) => keyOf(item) === after);
    if (index < 0) return undefined;
    start = index + 1;
  }
  const pageItems = items.slice(start, start + request.pageSize);
  const last = pageItems.at(-1);
  if (last !== undefined && start + pageItems.length < items.length) {
    return { items: pageItems, next_page_token: tokens.issue(request.listScope, keyOf(last)) };
  }
  return request.lastPage === "null" ? { items: pageItems, next_page_token: null } : { items: pageItems };
}

/** The paged lists the simulator serves, each with its own page size. */
export type ListKind = "pipelines" | "workflows" | "jobs" | "contexts" | "envVars" | "tests";

export const DEFAULT_PAGE_SIZE = 20;

/** Page sizes per list: CircleCI's are unknown and not settable by clients (API.md §2), so tests pick small ones. */
export function resolvePageSizes(pageSize: number | Partial<Record<ListKind, number>> | undefined): Record<ListKind, number> {
  const uniform = typeof pageSize === "number" ? pageSize : DEFAULT_PAGE_SIZE;
  const perList = typeof pageSize === "object" ? pageSize : {};
  const sizes: Record<ListKind, number> = {
    pipelines: perList.pipelines ?? uniform,
    workflows: perList.workflows ?? uniform,
    jobs: perList.jobs ?? uniform,
    contexts: perList.contexts ?? uniform,
    envVars: perList.envVars ?? uniform,
    tests: perList.tests ?? uniform,
  };
  for (const [kind, size] of Object.entries(sizes)) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`page size for ${kind} must be a positive integer, got ${size}`);
  }
  return sizes;
}

/** Pages every list the same way, with per-list sizes. */
export class Paginator {
  readonly #tokens: PageTokens;
  readonly #sizes: Record<ListKind, number>;
  readonly #lastPage: LastPageStyle;

  constructor(tokens: PageTokens, sizes: Record<ListKind, number>, lastPage: LastPageStyle) {
    this.#tokens = tokens;
    this.#sizes = sizes;
    this.#lastPage = lastPage;
  }

  page<T>(kind: ListKind, listScope: string, pageToken: string | null, items: readonly T[], keyOf: (item: T) => string): Page<T> | undefined {
    return paginate(items, keyOf, { listScope, pageToken, pageSize: this.#sizes[kind], lastPage: this.#lastPage }, this.#tokens);
  }
}
