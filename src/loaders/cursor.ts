/**
 * Opaque pipeline cursors. A cursor names the last pipeline of a page by id (what the store pages
 * after, so pages stay stable while newer pipelines arrive) and by `created_at` (so a walk over
 * CircleCI's own newest-first list can tell where the page ends even if that pipeline is gone).
 */
import type { Pipeline } from "../circleci/index.js";
import { InvalidCursorError, InvalidPageSizeError } from "./errors.js";

export interface PipelineCursor {
  id: string;
  createdAt: string;
}

/** The largest page `pipelinePage` serves. */
export const MAX_PAGE_SIZE = 100;

export function encodeCursor(pipeline: Pipeline): string {
  return Buffer.from(JSON.stringify({ id: pipeline.id, at: pipeline.created_at }), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): PipelineCursor {
  const bytes = Buffer.from(cursor, "base64url");
  // Node's decoder skips characters outside the alphabet: only a cursor that re-encodes to itself is ours.
  if (cursor === "" || bytes.toString("base64url") !== cursor) throw new InvalidCursorError(cursor);
  let payload: unknown;
  try {
    payload = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new InvalidCursorError(cursor);
  }
  if (!isCursorPayload(payload)) throw new InvalidCursorError(cursor);
  return { id: payload.id, createdAt: payload.at };
}

function isCursorPayload(value: unknown): value is { id: string; at: string } {
  if (typeof value !== "object" || value === null) return false;
  const { id, at } = value as Record<string, unknown>;
  return typeof id === "string" && id !== "" && typeof at === "string" && !Number.isNaN(Date.parse(at));
}

/** Whether `pipeline` comes after the cursor in newest-first order (`created_at` descending, then id descending). */
export function isAfterCursor(pipeline: Pipeline, cursor: PipelineCursor): boolean {
  const delta = Date.parse(pipeline.created_at) - Date.parse(cursor.createdAt);
  return delta < 0 || (delta === 0 && pipeline.id < cursor.id);
}

export function assertPageSize(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw new InvalidPageSizeError(first, MAX_PAGE_SIZE);
}
