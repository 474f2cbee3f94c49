/**
 * How far a `sync --once` has got, for a person watching a long first backfill: the share of each project's window
 * its pipeline walk has read (newest first, so time covered is the natural measure), and from the pace so far, an
 * estimate of the time left.
 */
import { projectKey } from "../project-slug.js";
import type { ProgressEvent } from "../sync/index.js";

export class SyncProgress {
  readonly #covered = new Map<string, number>();
  #pipelines = 0;
  #pages = 0;
  #rateLimitWaits = 0;

  /** Slugs in any spelling: progress events name each project by its key. */
  constructor(projectSlugs: readonly string[]) {
    for (const slug of projectSlugs) this.#covered.set(projectKey(slug), 0);
  }

  observe(event: ProgressEvent): void {
    if (event.type === "page.fetched" && event.projectSlug !== undefined) {
      this.#pipelines += event.items;
      this.#pages += 1;
      this.#cover(event.projectSlug, event.covered);
    } else if (event.type === "stream.done" && event.report.stream === "pipelines" && event.report.projectSlug !== undefined) {
      // A walk can end before the window's start (the project is younger than the backfill): it is still done.
      this.#cover(event.report.projectSlug, 1);
    } else if (event.type === "rate-limit.wait") {
      this.#rateLimitWaits += event.waits;
    }
  }

  /** From 0 to 1: the mean over the projects of the window each has covered. */
  get fraction(): number {
    if (this.#covered.size === 0) return 1;
    return [...this.#covered.values()].reduce((sum, covered) => sum + covered, 0) / this.#covered.size;
  }

  /** `[########------------] 40% · 1/3 projects · 1234 pipelines in 56 pages · ~1m 20s left`. */
  describe(elapsedMs: number): string {
    const done = [...this.#covered.values()].filter((covered) => covered >= 1).length;
    const parts = [
      `${progressBar(this.fraction)} ${Math.floor(this.fraction * 100)}%`,
      `${done}/${this.#covered.size} projects`,
      `${this.#pipelines} pipelines in ${this.#pages} pages`,
    ];
    if (this.#rateLimitWaits > 0) parts.push(`${this.#rateLimitWaits} rate-limit waits`);
    parts.push(timeLeft(this.fraction, elapsedMs));
    return parts.join(" · ");
  }

  #cover(slug: string, covered: number): void {
    this.#covered.set(slug, Math.max(this.#covered.get(slug) ?? 0, covered));
  }
}

export function progressBar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/** The pace so far, extrapolated; nothing is promised before a few percent are done. */
export function timeLeft(fraction: number, elapsedMs: number): string {
  if (fraction >= 1) return "done";
  if (fraction < 0.02) return "estimating time left";
  return `~${formatDuration((elapsedMs * (1 - fraction)) / fraction)} left`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}
