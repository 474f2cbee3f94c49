/**
 * The gateway's Prometheus metrics. Most are read at scrape time from counters the parts already keep (the
 * CircleCI client's stats, the loaders' stats, the subscription count, the leader lease), so the hot paths carry no
 * metrics code; only sync cycles and GraphQL timings are observed as they happen.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ActionStats } from "../actions/index.js";
import type { ClientStats } from "../circleci/index.js";
import type { LoaderStats } from "../loaders/index.js";
import type { AnswerCacheStats } from "../operation/index.js";
import type { CycleReport } from "../sync/index.js";
import type { WriterStats } from "../writer/index.js";

/** Where the scrape-time metrics come from; each source is optional, so a process exposes what it has. */
export interface MetricSources {
  circleci?: () => ClientStats;
  loaders?: () => LoaderStats;
  /** Subscription operations open on this instance. */
  activeSubscriptions?: () => number;
  /** Whether this instance holds the sync's leader lease; undefined when it does not sync at all. */
  isLeader?: () => boolean | undefined;
  /** The store writer's counters. */
  writer?: () => WriterStats;
  /** The answer cache's counters; undefined while there is none. */
  answerCache?: () => AnswerCacheStats | undefined;
  /** Actions (mutations) by action and outcome. */
  actions?: () => ActionStats;
}

export interface GatewayMetrics {
  readonly registry: Registry;
  /** The `Content-Type` of `render`'s output (Prometheus text format 0.0.4). */
  readonly contentType: string;
  render(): Promise<string>;
  /** Counts a finished sync cycle, the records each stream wrote and those it left out, and the expired pipelines removed. */
  observeCycle(report: CycleReport): void;
  /** Times one root field's resolver (`Query.pipelines`), in seconds. */
  observeResolver(field: string, outcome: "ok" | "error", seconds: number): void;
  /** Times one GraphQL operation, from arrival to answer, in seconds. */
  observeRequest(operationType: string, outcome: "ok" | "error", seconds: number): void;
}

const PREFIX = "circleci_gateway_";

/** Dashboards answer in milliseconds from the cache and in hundreds of milliseconds when they fall through. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createGatewayMetrics(sources: MetricSources = {}): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: PREFIX });

  const cycles = new Counter({
    name: `${PREFIX}sync_cycles_total`,
    help: "Sync cycles this instance ran, by outcome (ok, failed, aborted).",
    labelNames: ["outcome"],
    registers,
  });
  const records = new Counter({
    name: `${PREFIX}sync_records_total`,
    help: "New or changed documents the sync wrote, by stream.",
    labelNames: ["stream"],
    registers,
  });
  const rejected = new Counter({
    name: `${PREFIX}records_rejected_total`,
    help: "Records CircleCI sent that did not fit their schema, left out by the sync (the rest of the stream synced), by stream.",
    labelNames: ["stream"],
    registers,
  });
  const removed = new Counter({
    name: `${PREFIX}sync_pipelines_removed_total`,
    help: "Finished pipelines the sync removed from the store (with everything under them) for being older than SYNC_RETENTION_DAYS.",
    registers,
  });
  const lastCycle = new Gauge({
    name: `${PREFIX}sync_last_cycle_completed_timestamp_seconds`,
    help: "When this instance's last sync cycle ended (Unix time), whatever its outcome.",
    registers,
  });
  const resolvers = new Histogram({
    name: `${PREFIX}graphql_resolver_duration_seconds`,
    help: "Time spent in each root field's resolver, children included, by field and outcome.",
    labelNames: ["field", "outcome"],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const requests = new Histogram({
    name: `${PREFIX}graphql_request_duration_seconds`,
    help: "GraphQL operations (each of an HTTP batch; queries and mutations over WebSocket too), from arrival to answer, by operation type and outcome.",
    labelNames: ["operation_type", "outcome"],
    buckets: LATENCY_BUCKETS,
    registers,
  });

  registerScrapeTimeMetrics(sources, registers);

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    observeCycle(report) {
      cycles.inc({ outcome: cycleOutcome(report) });
      for (const stream of report.streams) {
        records.inc({ stream: stream.stream }, stream.records);
        if (stream.rejected !== undefined) rejected.inc({ stream: stream.stream }, stream.rejected);
      }
      removed.inc(report.removed);
      lastCycle.set(Date.parse(report.completedAt) / 1000);
    },
    observeResolver(field, outcome, seconds) {
      resolvers.observe({ field, outcome }, seconds);
    },
    observeRequest(operationType, outcome, seconds) {
      requests.observe({ operation_type: operationType, outcome }, seconds);
    },
  };
}

export function cycleOutcome(report: Pick<CycleReport, "ok" | "aborted">): "ok" | "failed" | "aborted" {
  if (report.aborted) return "aborted";
  return report.ok ? "ok" : "failed";
}

type Registers = Registry[];

function registerScrapeTimeMetrics(sources: MetricSources, registers: Registers): void {
  const { circleci, loaders, activeSubscriptions, isLeader, writer, answerCache, actions } = sources;
  if (circleci !== undefined) registerCircleCIMetrics(circleci, registers);
  if (writer !== undefined) registerWriterMetrics(writer, registers);
  if (answerCache !== undefined) registerAnswerCacheMetrics(answerCache, registers);
  if (actions !== undefined) registerActionMetrics(actions, registers);
  if (loaders !== undefined) registerCacheMetrics(loaders, registers);
  if (activeSubscriptions !== undefined) {
    currentGauge(`${PREFIX}active_subscriptions`, "GraphQL subscription operations open on this instance.", activeSubscriptions, registers);
  }
  if (isLeader !== undefined) {
    currentGauge(
      `${PREFIX}sync_leader`,
      "1 while this instance holds the sync's leader lease (it is the one polling CircleCI), else 0.",
      () => (isLeader() === true ? 1 : 0),
      registers,
    );
  }
}

function registerCircleCIMetrics(stats: () => ClientStats, registers: Registers): void {
  new Counter({
    name: `${PREFIX}circleci_requests_total`,
    help: "Requests sent to CircleCI (every attempt), by endpoint template and HTTP status (`error`: no response).",
    labelNames: ["endpoint", "status"],
    registers,
    collect() {
      this.reset();
      for (const [endpoint, byStatus] of Object.entries(stats().requests)) {
        for (const [status, count] of Object.entries(byStatus)) this.inc({ endpoint, status }, count);
      }
    },
  });
  totalCounter(`${PREFIX}circleci_retries_total`, "CircleCI requests retried after a 5xx, a reset, a timeout or a broken body.", () => stats().retries, registers);
  currentGauge(
    `${PREFIX}circleci_breaker_open`,
    "1 while the circuit breaker holds CircleCI calls back after repeated failures (open, or probing), else 0.",
    () => (stats().breaker.state === "closed" ? 0 : 1),
    registers,
  );
  totalCounter(`${PREFIX}circleci_breaker_opens_total`, "Times the circuit breaker opened because CircleCI kept failing, re-openings after a failed probe included.", () => stats().breaker.opens, registers);
  totalCounter(`${PREFIX}rate_limit_waits_total`, "Times every CircleCI call paused because CircleCI asked to slow down (429 or an exhausted window).", () => stats().rateLimitWaits.count, registers);
  totalCounter(`${PREFIX}rate_limit_wait_seconds_total`, "Time CircleCI calls spent paused at CircleCI's request.", () => stats().rateLimitWaits.ms / 1000, registers);
}

function registerWriterMetrics(stats: () => WriterStats, registers: Registers): void {
  new Counter({
    name: `${PREFIX}store_writes_refused_total`,
    help: "Writes the store refused, by reason: fence (a newer sync leader has written: this instance lost its lease) or conflict (another writer changed a document first; retried).",
    labelNames: ["reason"],
    registers,
    collect() {
      this.reset();
      const { fence, conflict } = stats().refused;
      this.inc({ reason: "fence" }, fence);
      this.inc({ reason: "conflict" }, conflict);
    },
  });
}

function registerActionMetrics(stats: () => ActionStats, registers: Registers): void {
  new Counter({
    name: `${PREFIX}actions_total`,
    help: "Actions on CircleCI (mutations) by action and outcome (ok, replayed, forbidden, bad_input, circleci_error, outcome_unknown, not_read, failed).",
    labelNames: ["action", "outcome"],
    registers,
    collect() {
      this.reset();
      for (const [action, byOutcome] of Object.entries(stats())) {
        for (const [outcome, count] of Object.entries(byOutcome)) this.inc({ action, outcome }, count ?? 0);
      }
    },
  });
}

/** A gauge without labels read at scrape time. */
function currentGauge(name: string, help: string, value: () => number, registers: Registers): void {
  new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(value());
    },
  });
}

/** A counter without labels whose total some part already keeps: set to that total at scrape time. */
function totalCounter(name: string, help: string, total: () => number, registers: Registers): void {
  new Counter({
    name,
    help,
    registers,
    collect() {
      this.reset();
      this.inc(total());
    },
  });
}

function registerCacheMetrics(stats: () => LoaderStats, registers: Registers): void {
  new Counter({
    name: `${PREFIX}cache_lookups_total`,
    help: "Keys the read path looked up, by layer (l1: in-process LRU, store: Redis or the embedded store) and result (hit, miss).",
    labelNames: ["layer", "result"],
    registers,
    collect() {
      this.reset();
      const { l1, store } = stats();
      for (const [layer, counts] of [["l1", l1], ["store", store]] as const) {
        this.inc({ layer, result: "hit" }, counts.hits);
        this.inc({ layer, result: "miss" }, counts.misses);
      }
    },
  });
  new Counter({
    name: `${PREFIX}fallthrough_fetches_total`,
    help: "Fetches the read path sent to CircleCI for what the store lacked, by result (fetched, not_found, failed).",
    labelNames: ["result"],
    registers,
    collect() {
      this.reset();
      const { fetched, notFound, failed } = stats().circleci;
      this.inc({ result: "fetched" }, fetched);
      this.inc({ result: "not_found" }, notFound);
      this.inc({ result: "failed" }, failed);
    },
  });
}

function registerAnswerCacheMetrics(stats: () => AnswerCacheStats | undefined, registers: Registers): void {
  new Counter({
    name: `${PREFIX}answer_cache_lookups_total`,
    help: "GraphQL queries looked up in the answer cache, by result (hit: served from memory, shared: joined an identical execution in progress, miss: executed).",
    labelNames: ["result"],
    registers,
    collect() {
      this.reset();
      const counts = stats();
      if (counts === undefined) return;
      this.inc({ result: "hit" }, counts.hits);
      this.inc({ result: "shared" }, counts.shared);
      this.inc({ result: "miss" }, counts.misses);
    },
  });
  currentGauge(`${PREFIX}answer_cache_entries`, "Whole answers the answer cache holds now.", () => stats()?.entries ?? 0, registers);
}
