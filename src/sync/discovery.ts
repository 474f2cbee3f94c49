/**
 * Project discovery, the projects stream's organization part: every project of the organization that ran a pipeline
 * within the backfill window is synced like a configured one. The organization's pipeline feed (every project,
 * newest first) is walked like a project's pipelines: back to the window's start the first time, then only down
 * to the newest pipeline seen before, less the lookback, so a cycle costs the new pipelines' pages, not the history.
 * What it found is kept in one cursor: how far the feed was read, and each project's newest pipeline, so a project
 * stays synced until its last pipeline leaves the window.
 */
import { z } from "zod";
import type { CircleCIClient } from "../circleci/index.js";
import { canonicalProjectSlug } from "../project-slug.js";
import type { Store } from "../store/store.js";
import type { SyncWriter } from "../writer/index.js";
import { emptyTally } from "./report.js";
import type { StreamTally } from "./report.js";
import { isInWindow, isPastWindow, nextHighWaterMark, windowStart } from "./window.js";

const DAY_MS = 24 * 3_600_000;

export interface DiscoveryOptions {
  client: CircleCIClient;
  store: Store;
  writer: SyncWriter;
  /** `gh/acme`, `bb/acme` or `circleci/<org-id>`. */
  orgSlug: string;
  now: number;
  lookbackHours: number;
  backfillDays: number;
  checkpoint(): void;
}

export interface DiscoveryOutcome {
  /** The projects that ran a pipeline within the window, as far as the feed was read (the last state kept on failure). */
  projectSlugs: string[];
  /** Pages read; records: projects found that were not known before. */
  tally: StreamTally;
  /** Why the feed could not be read this cycle (the caller tells a stream's failure from a stop of the cycle). */
  error?: unknown;
}

/** What the cursor holds. Anyone with access to Redis can write there: read back, it is checked. */
const discoveryStateSchema = z.object({
  /** The newest pipeline `created_at` read from the feed. */
  readUntil: z.string(),
  /** Project slug -> its newest pipeline's `created_at`. */
  projects: z.record(z.string(), z.string()),
});

type DiscoveryState = z.infer<typeof discoveryStateSchema>;

export function discoveryCursorName(orgSlug: string): string {
  return `discovery:${orgSlug}`;
}

export async function discoverProjects(options: DiscoveryOptions): Promise<DiscoveryOutcome> {
  const cursorName = discoveryCursorName(options.orgSlug);
  const [text] = await options.store.getCursors([cursorName]);
  const previous = parseState(text);
  const tally = emptyTally();
  const windowOpens = options.now - options.backfillDays * DAY_MS;
  try {
    const next = await readFeed(options, previous, tally);
    options.checkpoint();
    await options.writer.setCursor(cursorName, JSON.stringify(next));
    return { projectSlugs: projectsWithin(next, windowOpens), tally };
  } catch (error) {
    return { projectSlugs: previous === undefined ? [] : projectsWithin(previous, windowOpens), tally, error };
  }
}

async function readFeed(options: DiscoveryOptions, previous: DiscoveryState | undefined, tally: StreamTally): Promise<DiscoveryState> {
  const start = windowStart({ ...options, highWaterMark: previous?.readUntil });
  const projects = new Map(Object.entries(previous?.projects ?? {}));
  const read: { created_at: string }[] = [];
  for await (const page of options.client.orgPipelinePages(options.orgSlug)) {
    options.checkpoint();
    tally.pages += 1;
    for (const pipeline of page.items) {
      const slug = canonicalProjectSlug(pipeline.project_slug);
      if (slug === undefined || !isInWindow(pipeline, start)) continue;
      read.push(pipeline);
      const newest = projects.get(slug);
      if (newest === undefined) tally.records += 1;
      if (newest === undefined || Date.parse(pipeline.created_at) > Date.parse(newest)) projects.set(slug, pipeline.created_at);
    }
    if (isPastWindow(page.items, start)) break;
  }
  // A project whose newest pipeline left the window is forgotten: it is no longer synced (its data stays).
  const kept = withinWindow(projects, options.now - options.backfillDays * DAY_MS);
  return { readUntil: nextHighWaterMark(previous?.readUntil, read, start), projects: Object.fromEntries(kept) };
}

function projectsWithin(state: DiscoveryState, windowOpens: number): string[] {
  return withinWindow(Object.entries(state.projects), windowOpens)
    .map(([slug]) => slug)
    .sort();
}

function withinWindow(projects: Iterable<[slug: string, newest: string]>, windowOpens: number): [string, string][] {
  return [...projects].filter(([, newest]) => Date.parse(newest) >= windowOpens);
}

function parseState(text: string | undefined): DiscoveryState | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = discoveryStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
