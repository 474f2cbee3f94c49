/**
 * One sync cycle over every stream: projects first (they decide which projects the others visit),
 * then each reachable project's pipeline walk with its workflows, jobs, job records and test results, then the
 * removal of each one's finished pipelines older than the retention window, then the organization's
 * contexts, then the status of each stream and the cycle summary.
 */
import { AuthenticationError } from "../circleci/index.js";
import type { CircleCIClient, ClientStats } from "../circleci/index.js";
import { silentLogger } from "../log.js";
import type { Logger } from "../log.js";
import { canonicalProjectSlug, projectKey, SLUG_FORMATS } from "../project-slug.js";
import { WriteFencedError } from "../store/errors.js";
import type { ActivePipeline, Store } from "../store/store.js";
import type { StoreWriter, SyncWriter } from "../writer/index.js";
import { MISSING_ORGANIZATION_ID, syncContexts } from "./contexts.js";
import { DEFAULT_SYNC_TESTS } from "./job-records.js";
import type { SyncTestsMode } from "./job-records.js";
import { discoverProjects } from "./discovery.js";
import { mapConcurrent } from "./map-concurrent.js";
import { removeExpiredPipelines } from "./retention.js";
import { retentionCutoff } from "./window.js";
import { syncProjectPipelines } from "./pipelines.js";
import { syncProjects } from "./projects.js";
import type { SyncedProject } from "./projects.js";
import { emptyTally, emptyTreeTallies, streamReport, TREE_STREAMS } from "./report.js";
import type { CycleReport, ProgressEvent, StreamReport } from "./report.js";
import { nextStreamStatuses } from "./status.js";
import { CycleStop, SyncAbortedError } from "./stop.js";
import { messageOf } from "../error-message.js";

export interface SyncEngineOptions {
  client: CircleCIClient;
  /** What the sync reads to decide what to fetch. */
  store: Store;
  /** How what it fetched is stored (and announced). */
  writer: StoreWriter;
  /**
   * Project slugs to sync, in any spelling CircleCI accepts. CircleCI is asked with each as configured (`github/...`
   * as `gh/...`); the store keeps each under its key (`projectKey`), and two spellings of one project are one.
   */
  projectSlugs: readonly string[];
  /**
   * An organization (`gh/acme`, `bb/acme`, `circleci/<org-id>`) whose projects are discovered each cycle: every one
   * that ran a pipeline within the backfill window is synced besides `projectSlugs`.
   */
  orgSlug?: string;
  /** Organization UUID; without it the contexts stream does not run. */
  orgId?: string;
  /** Overlap re-read on every cycle, behind the newest pipeline already synced. */
  lookbackHours: number;
  /** How far back a project's first sync goes. */
  backfillDays: number;
  /** Which finished build jobs get their test results read (`SYNC_TESTS`). Default `failed`. */
  syncTests?: SyncTestsMode;
  /**
   * Finished pipelines created longer ago than this are removed from the store each cycle, after the pipelines
   * stream (`SYNC_RETENTION_DAYS`; at least `backfillDays`). Absent: nothing is removed.
   */
  retentionDays?: number;
  /** Clock, epoch ms. Default `Date.now`; tests pass the simulator's. */
  now?: () => number;
  logger?: Logger;
  onProgress?: (event: ProgressEvent) => void;
  /** Fetches in flight per fan-out (the client's gate still caps the total). Default 8. */
  concurrency?: number;
  /**
   * Staged change events at least this old (real time) are published at the start of a cycle: their writer died or
   * its bus failed between its write and its publish. Younger ones may belong to a writer still at work (a webhook).
   * Default 10 000.
   */
  stagedEventsMinAgeMs?: number;
}

export class SyncCycleInProgressError extends Error {
  override name = "SyncCycleInProgressError";

  constructor() {
    super("a sync cycle is already running on this engine; wait for it to finish before starting another");
  }
}

const DEFAULT_CONCURRENCY = 8;
const DEFAULT_STAGED_EVENTS_MIN_AGE_MS = 10_000;

/**
 * Keeps the store equal to CircleCI, one `runCycle` at a time:
 * - Cost: a steady-state cycle reads each project, the pipeline pages down to the overlap window,
 *   and the trees of new, in-window and active pipelines only: O(projects + new + live), never history.
 * - Crash safety: each batch of trees is committed at once (the writer puts children before parents)
 *   and a project's cursor last, so a cycle killed or aborted anywhere is redone by the next one from
 *   the same window, and converges.
 * - Events: each commit announces exactly the changes it made (against the documents it replaced),
 *   through the store's outbox, so a crash between the write and the publish only delays them to the
 *   next cycle; a project's first backfill announces none, since learning history is not news.
 * - Fencing: a cycle's writes carry the epoch of the lease it runs under; once the store refuses one
 *   (a newer leader was granted) the cycle stops at once, as when the lease is lost.
 */
export class SyncEngine {
  readonly #options: SyncEngineOptions;
  readonly #projects: SyncedProject[];
  readonly #concurrency: number;
  readonly #now: () => number;
  readonly #logger: Logger;
  #running = false;
  #rateLimitWaits = { count: 0, ms: 0 };

  constructor(options: SyncEngineOptions) {
    this.#options = options;
    this.#projects = configuredProjects(options.projectSlugs);
    this.#concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.#now = options.now ?? Date.now;
    this.#logger = (options.logger ?? silentLogger).child({ component: "sync" });
    const problems = [
      Number.isInteger(this.#concurrency) && this.#concurrency >= 1 ? "" : "concurrency must be an integer >= 1",
      Number.isFinite(options.lookbackHours) && options.lookbackHours >= 0 ? "" : "lookbackHours must be >= 0",
      Number.isFinite(options.backfillDays) && options.backfillDays > 0 ? "" : "backfillDays must be > 0",
      options.retentionDays === undefined || options.retentionDays >= options.backfillDays ? "" : "retentionDays must be >= backfillDays",
    ].filter((problem) => problem !== "");
    if (problems.length > 0) throw new RangeError(`Invalid sync options: ${problems.join("; ")}`);
  }

  /**
   * Runs one full cycle. Never two at once: a call while one runs rejects with
   * `SyncCycleInProgressError` (the scheduler never overlaps; a second caller should not wait
   * for a cycle it did not ask for). `signal` stops the cycle at the next safe point; `epoch` is the
   * leader lease's fencing epoch the writes carry (none without a lease).
   */
  async runCycle(signal?: AbortSignal, epoch?: number): Promise<CycleReport> {
    if (this.#running) throw new SyncCycleInProgressError();
    this.#running = true;
    try {
      return await this.#cycle(new CycleStop(signal), this.#options.writer.forSync(epoch));
    } finally {
      this.#running = false;
    }
  }

  async #cycle(stop: CycleStop, writer: SyncWriter): Promise<CycleReport> {
    const { store, client } = this.#options;
    const startedAt = this.#isoNow();
    const callsBefore = totalCalls(client.stats);
    this.#rateLimitWaits = { ...client.stats.rateLimitWaits };
    const retention = { removed: 0 };
    const aborted = (streams: StreamReport[]): CycleReport => {
      const completedAt = this.#isoNow();
      return { ok: false, aborted: true, startedAt, completedAt, streams, calls: totalCalls(client.stats) - callsBefore, removed: retention.removed };
    };
    if (stop.aborted) return { ok: false, aborted: true, startedAt, completedAt: startedAt, streams: [], calls: 0, removed: 0 };
    const previous = await store.getSyncStatus();
    if (!(await this.#unlessFenced(stop, () => writer.putSyncSummary({
      running: true,
      cycles: previous.cycles,
      lastCycleStartedAt: startedAt,
      lastCycleCompletedAt: previous.lastCycleCompletedAt,
    })))) return aborted([]);
    await this.#publishStaged();

    const finished = await this.#streams(stop, writer, retention);
    const completedAt = this.#isoNow();
    const calls = totalCalls(client.stats) - callsBefore;
    // Leadership may be gone: another instance owns the store now, so nothing more is written.
    if (stop.aborted) return aborted(finished);

    const streams = stop.failure ? this.#everyStream(this.#projects, stop.failure.message) : finished;
    const recorded = await this.#unlessFenced(stop, async () => {
      await writer.putStreamStatuses(nextStreamStatuses(previous.streams, streams, completedAt));
      await writer.putSyncSummary({
        running: false,
        cycles: previous.cycles + 1,
        lastCycleStartedAt: startedAt,
        lastCycleCompletedAt: completedAt,
      });
    });
    if (!recorded) return aborted(finished);
    const ok = streams.every((stream) => stream.error === undefined);
    const { removed } = retention;
    this.#logger.info({ ok, calls, removed }, "sync cycle done");
    return { ok, aborted: false, startedAt, completedAt, streams, calls, removed };
  }

  /** Runs `write`; false once the store refused it for a newer leader's epoch (the cycle then stops). */
  async #unlessFenced(stop: CycleStop, write: () => Promise<void>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (!(error instanceof WriteFencedError)) throw error;
      stop.fence(error);
      return false;
    }
  }

  /** Announcements an interrupted writer left in the outbox go out before anything new (at least once). */
  async #publishStaged(): Promise<void> {
    const { writer, stagedEventsMinAgeMs } = this.#options;
    try {
      const published = await writer.publishStaged(stagedEventsMinAgeMs ?? DEFAULT_STAGED_EVENTS_MIN_AGE_MS);
      if (published > 0) this.#logger.info({ published }, "published the change events an interrupted write had staged");
    } catch (error) {
      this.#logger.warn({ err: error }, "could not publish the staged change events; they stay staged for the next cycle");
    }
  }

  /** The reports of the streams that finished; a stop ends the list where the cycle stopped. */
  async #streams(stop: CycleStop, writer: SyncWriter, retention: { removed: number }): Promise<StreamReport[]> {
    const reports: StreamReport[] = [];
    try {
      await this.#runStreams(stop, writer, reports, retention);
    } catch (error) {
      if (error instanceof WriteFencedError) stop.fence(error);
      else if (!(error instanceof SyncAbortedError)) throw error;
    }
    return reports;
  }

  async #runStreams(stop: CycleStop, writer: SyncWriter, reports: StreamReport[], retention: { removed: number }): Promise<void> {
    const { client, store } = this.#options;
    // Discovered projects join the configured ones; a configured project keeps its spelling.
    const cycleProjects = configuredProjects([...this.#projects.map(({ slug }) => slug), ...(await this.#discover(stop, writer, reports))]);
    for (const { key } of cycleProjects) this.#progress({ type: "stream.started", stream: "projects", projectSlug: key });
    const projects = await syncProjects({
      client,
      store,
      writer,
      projects: cycleProjects,
      concurrency: this.#concurrency,
      at: this.#isoNow(),
      checkpoint: () => stop.checkpoint(),
    });
    if (projects.authenticationError) {
      stop.fail(projects.authenticationError);
      return;
    }
    this.#done(reports, projects.reports);

    const active = await store.listActivePipelines();
    await mapConcurrent(projects.reachable, this.#concurrency, async (project) => {
      this.#done(reports, await this.#syncProject(project, active, stop, writer));
    });
    retention.removed = await this.#removeExpired(projects.reachable, stop, writer);
    stop.checkpoint();
    this.#done(reports, await this.#syncContexts(stop, writer));
  }

  /**
   * The projects discovery adds this cycle (none without an organization), reported as the projects stream's
   * organization-wide part. When the feed cannot be read, those found before are synced still.
   */
  async #discover(stop: CycleStop, writer: SyncWriter, reports: StreamReport[]): Promise<string[]> {
    const { client, store, orgSlug } = this.#options;
    if (orgSlug === undefined) return [];
    this.#progress({ type: "stream.started", stream: "projects" });
    const { projectSlugs, tally, error } = await discoverProjects({
      client,
      store,
      writer,
      orgSlug,
      now: this.#now(),
      lookbackHours: this.#options.lookbackHours,
      backfillDays: this.#options.backfillDays,
      checkpoint: () => stop.checkpoint(),
    });
    // A stop, a refused write or a bad token: the stop now says so, and its checkpoint ends the cycle.
    if (error !== undefined && !this.#isStreamFailure(error, stop)) stop.checkpoint();
    if (error !== undefined) this.#logger.warn({ orgSlug, err: error }, "project discovery failed; the projects found before are synced");
    this.#done(reports, [streamReport("projects", undefined, tally, error === undefined ? undefined : messageOf(error))]);
    return projectSlugs;
  }

  async #syncProject(project: SyncedProject, active: readonly ActivePipeline[], stop: CycleStop, writer: SyncWriter): Promise<StreamReport[]> {
    const { client, store } = this.#options;
    const projectSlug = project.key;
    const tallies = emptyTreeTallies();
    for (const stream of TREE_STREAMS) this.#progress({ type: "stream.started", stream, projectSlug });
    let error: string | undefined;
    try {
      await syncProjectPipelines({
        client,
        store,
        writer,
        projectSlug,
        upstreamSlug: project.slug,
        concurrency: this.#concurrency,
        tallies,
        active: active.filter((pipeline) => pipeline.projectSlug === projectSlug),
        now: this.#now(),
        lookbackHours: this.#options.lookbackHours,
        backfillDays: this.#options.backfillDays,
        syncTests: this.#options.syncTests ?? DEFAULT_SYNC_TESTS,
        retentionDays: this.#options.retentionDays,
        checkpoint: () => stop.checkpoint(),
        onPage: (items, covered) => this.#progress({ type: "page.fetched", stream: "pipelines", projectSlug, items, covered }),
      });
    } catch (failure) {
      if (!this.#isStreamFailure(failure, stop)) return [];
      error = messageOf(failure);
      this.#logger.warn({ projectSlug, err: failure }, "project sync failed; it is retried next cycle");
    }
    return TREE_STREAMS.map((stream) => streamReport(stream, projectSlug, tallies[stream], error));
  }

  /**
   * Retention, once the pipelines stream has run: each project's expired finished pipelines leave the store. The active
   * set is read again, so live work the stream just found stays too. Every project the store holds data of is swept,
   * not only the synced ones: the read path stores what it fetched of any project a query named. A failure is the
   * project's alone: what it left is removed next cycle.
   */
  async #removeExpired(projects: readonly SyncedProject[], stop: CycleStop, writer: SyncWriter): Promise<number> {
    const { store, retentionDays } = this.#options;
    if (retentionDays === undefined) return 0;
    stop.checkpoint();
    const cutoff = retentionCutoff(this.#now(), retentionDays);
    const [active, stored] = await Promise.all([store.listActivePipelines(), store.listProjectKeys()]);
    const keys = [...new Set([...projects.map(({ key }) => key), ...stored])];
    const counts = await mapConcurrent(keys, this.#concurrency, async (projectSlug) => {
      try {
        return await removeExpiredPipelines({ store, writer, projectSlug, cutoff, active, checkpoint: () => stop.checkpoint() });
      } catch (failure) {
        if (!this.#isStreamFailure(failure, stop)) throw failure;
        this.#logger.warn({ projectSlug, err: failure }, "removing expired pipelines failed; it is retried next cycle");
        return 0;
      }
    });
    const removed = counts.reduce((sum, count) => sum + count, 0);
    if (removed > 0) this.#logger.info({ removed, before: new Date(cutoff).toISOString() }, "removed finished pipelines older than the retention window");
    return removed;
  }

  /** The contexts report, or none when the cycle stopped before it finished. */
  async #syncContexts(stop: CycleStop, writer: SyncWriter): Promise<StreamReport[]> {
    const { client, store, orgId } = this.#options;
    const tally = emptyTally();
    if (orgId === undefined || orgId === "") return [{ ...streamReport("contexts", undefined, tally), skipped: MISSING_ORGANIZATION_ID }];
    this.#progress({ type: "stream.started", stream: "contexts" });
    try {
      await syncContexts({ client, store, writer, orgId, concurrency: this.#concurrency, tally, checkpoint: () => stop.checkpoint() });
      return [streamReport("contexts", undefined, tally)];
    } catch (failure) {
      return this.#isStreamFailure(failure, stop) ? [streamReport("contexts", undefined, tally, messageOf(failure))] : [];
    }
  }

  /** A failure that belongs to one stream; a stop, a refused write or a bad token (which stop the cycle) does not. */
  #isStreamFailure(failure: unknown, stop: CycleStop): boolean {
    if (failure instanceof SyncAbortedError) return false;
    if (failure instanceof WriteFencedError) {
      stop.fence(failure);
      return false;
    }
    if (failure instanceof AuthenticationError) {
      stop.fail(failure);
      return false;
    }
    return true;
  }

  /** A bad token fails the whole cycle: every stream reports it, so each shows the fix. */
  #everyStream(projects: readonly SyncedProject[], error: string): StreamReport[] {
    const tally = emptyTally();
    return [
      ...projects.flatMap(({ key }) =>
        (["projects", ...TREE_STREAMS] as const).map((stream) => streamReport(stream, key, tally, error)),
      ),
      streamReport("contexts", undefined, tally, error),
    ];
  }

  #done(reports: StreamReport[], finished: readonly StreamReport[]): void {
    for (const report of finished) {
      reports.push(report);
      this.#progress({ type: "stream.done", report });
    }
  }

  /** Forwards progress, first reporting any rate-limit pause the client took since the last event. */
  #progress(event: ProgressEvent): void {
    const { onProgress, client } = this.#options;
    if (onProgress === undefined) return;
    const waits = client.stats.rateLimitWaits;
    if (waits.count > this.#rateLimitWaits.count) {
      onProgress({ type: "rate-limit.wait", waits: waits.count - this.#rateLimitWaits.count, waitedMs: waits.ms - this.#rateLimitWaits.ms });
    }
    this.#rateLimitWaits = { ...waits };
    onProgress(event);
  }

  #isoNow(): string {
    return new Date(this.#now()).toISOString();
  }
}

/** Each project once (by key), asked for as it was first configured. */
function configuredProjects(slugs: readonly string[]): SyncedProject[] {
  const byKey = new Map<string, string>();
  for (const input of slugs) {
    const slug = canonicalProjectSlug(input);
    if (slug === undefined) throw new RangeError(`Invalid project slug "${input}": use ${SLUG_FORMATS}.`);
    if (!byKey.has(projectKey(slug))) byKey.set(projectKey(slug), slug);
  }
  return [...byKey].map(([key, slug]) => ({ key, slug }));
}

function totalCalls(stats: ClientStats): number {
  let total = 0;
  for (const byStatus of Object.values(stats.requests)) for (const count of Object.values(byStatus)) total += count;
  return total;
}
