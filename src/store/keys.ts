/**
 * The Redis key layout. Every key starts with the deployment's prefix (`REDIS_PREFIX`, default `ccgw:`) so
 * several deployments or test runs can share one server.
 *
 * All data keys carry one hash tag, `{d}`, right after the prefix. On Redis Cluster the slot of a key is
 * the hash of its tag, so every key of a deployment lives in one slot: that is what lets one `MGET`, one
 * `MULTI` or one Lua script span pipelines, their indexes and their workflows, and keeps every store call a
 * single round trip. The trade-off: Cluster then gives this data availability (replicas, failover) but no
 * sharding; a deployment's cache must fit one node, which a CI cache comfortably does.
 *
 * Shapes: entity documents are JSON strings (read in bulk with `MGET`); small collections that are read
 * whole (projects, contexts, the active set, stream statuses) are hashes, so a full read is one `HVALS`
 * and a full refresh is `DEL` + `HSET` in one `MULTI`; indexes are sorted sets scored by `created_at` ms
 * (ties broken by member, i.e. by id) and, for a workflow's jobs, a list that is replaced on each write.
 * Slugs contain no `:` and git branch names cannot, so no two keys below can collide.
 */
import type { JobKey, StreamName } from "./store.js";

export interface KeyLayout {
  /** Hash: project slug -> `StoredProject` JSON. */
  readonly projects: string;
  /** String: `Pipeline` JSON. */
  pipeline(id: string): string;
  /** Sorted set: pipeline ids of a project (or of one of its branches), scored by `created_at` ms. */
  pipelinesOf(projectSlug: string, branch?: string): string;
  /** String: `Workflow` JSON. */
  workflow(id: string): string;
  /** Sorted set: workflow ids of a pipeline, scored by `created_at` ms. */
  workflowsOf(pipelineId: string): string;
  /** String: `WorkflowJob` JSON (the latest write wins when several workflows carry the job). */
  job(id: string): string;
  /** List: job ids of a workflow in CircleCI's order. */
  jobsOf(workflowId: string): string;
  /** String: `JobRecord` JSON. */
  jobRecord(key: JobKey): string;
  /** Hash: context id -> `StoredContext` JSON. */
  readonly contexts: string;
  /** Hash: pipeline id -> project slug. */
  readonly active: string;
  /** String: a sync cursor's value. */
  cursor(name: string): string;
  /** Hash: `streamStatusField(...)` -> `StreamStatusRecord` JSON. */
  readonly statuses: string;
  /** String: `SyncSummaryRecord` JSON. */
  readonly summary: string;
  /** Hash: batch id (sorting oldest first) -> the staged change events of one write, JSON. */
  readonly outbox: string;
  /** String with a TTL: the sync leader's lease. */
  readonly leader: string;
  /** Integer: incremented by every new leader, the fencing token. */
  readonly leaderEpoch: string;
}

export const DEFAULT_PREFIX = "ccgw:";

/** The layout under `prefix`, which may not hold braces: they would replace the `{d}` hash tag. */
export function keyLayout(prefix: string = DEFAULT_PREFIX): KeyLayout {
  if (/[{}]/.test(prefix)) throw new RangeError(`the key prefix may not contain "{" or "}", got ${JSON.stringify(prefix)}`);
  const data = `${prefix}{d}:`;
  return {
    projects: `${data}projects`,
    pipeline: (id) => `${data}pipeline:${id}`,
    pipelinesOf: (projectSlug, branch) =>
      branch === undefined ? `${data}pipelines:${projectSlug}` : `${data}pipelines:${projectSlug}:branch:${branch}`,
    workflow: (id) => `${data}workflow:${id}`,
    workflowsOf: (pipelineId) => `${data}workflows-of:${pipelineId}`,
    job: (id) => `${data}job:${id}`,
    jobsOf: (workflowId) => `${data}jobs-of:${workflowId}`,
    jobRecord: (key) => `${data}jobrec:${jobRecordId(key)}`,
    contexts: `${data}contexts`,
    active: `${data}active`,
    cursor: (name) => `${data}cursor:${name}`,
    statuses: `${data}statuses`,
    summary: `${data}summary`,
    outbox: `${data}outbox`,
    leader: `${data}leader`,
    leaderEpoch: `${data}leader:epoch`,
  };
}

/** A job record's identity: CircleCI numbers jobs per project. */
export function jobRecordId(key: JobKey): string {
  return `${key.projectSlug}#${key.number}`;
}

/** A stream status' identity: one record per stream and project (`-` for streams without projects). */
export function streamStatusId(stream: StreamName, projectSlug: string | undefined): string {
  return `${stream}:${projectSlug ?? "-"}`;
}
