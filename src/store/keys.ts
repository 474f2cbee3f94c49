/**
 * The Redis key layout. Every key starts with the deployment's prefix (`REDIS_PREFIX`, default `ccgw:`) so several
 * deployments or test runs can share one server, then a hash tag in braces: on Redis Cluster a key's slot is the
 * hash of its tag, so keys with one tag share a slot and one script call may span them.
 *
 * Two kinds of tag:
 * - a project's (`{p:<digest>}`): a short stable digest of the project's key (`projectKey`: one for every spelling). Everything under one
 *   project (its pipelines, workflows, jobs, job records, their indexes, its outbox) shares it, so the sync's
 *   commit of a project's pipeline trees and a dashboard's reads of one project each stay within one slot, while
 *   projects spread over a cluster's shards;
 * - the shared one (`{g}`): what spans projects (projects, contexts, the active set, cursors, stream statuses, the
 *   cycle summary, the leader lease and its epoch, the id -> project directory, the registry of project slots,
 *   the write sequence, the records of idempotency keys).
 *
 * Reads stay by CircleCI id: an id's project is found in the directory (`owners`, written with the document) and
 * remembered in process (the project of an id never changes).
 *
 * Each write script checks a fence and bumps a write sequence, of the slot it writes. On one Redis every slot shares
 * the lease's epoch counter as its fence (the acquisition itself claims it) and one sequence. On a cluster a script
 * may only touch keys of one slot, so each project slot has a fence and a sequence of its own (`perSlot`): the
 * fence records the newest leader epoch that claimed the slot (a new leader claims every registered slot as it takes
 * the lease, and any other with its first write to it; from then on an older leader's writes to it are refused), and
 * the shared slot keeps the lease's epoch counter as its fence, claimed at acquisition.
 *
 * Shapes: entity documents are compact strings (`documents/`), the other documents JSON strings; small collections read whole (projects, contexts, the active set,
 * cursors, stream statuses, the outbox) are hashes; indexes are sorted sets scored by `created_at` ms (ties broken
 * by member, i.e. by id) and, for a workflow's jobs, a list replaced on each write. Slugs contain no `:` and git
 * branch names cannot, so no two keys below can collide (a board entry's workflow name, which may hold anything,
 * comes last in its key).
 */
import { createHash } from "node:crypto";
import { projectKey } from "../project-slug.js";
import type { JobKey, StreamName } from "./store.js";

/** A hash tag: keys carrying the same one live in the same Redis Cluster slot. */
export type Slot = string;

export interface KeyLayout {
  /** The slot of what spans projects. */
  readonly shared: Slot;
  /** The slot of one project's keys. */
  projectSlot(projectSlug: string): Slot;

  /** String: the `Pipeline`'s stored form (`documents/`). */
  pipeline(slot: Slot, id: string): string;
  /** Sorted set: pipeline ids of a project (or of one of its branches), scored by `created_at` ms. */
  pipelinesOf(projectSlug: string, branch?: string): string;
  /** String: the `Workflow`'s stored form. */
  workflow(slot: Slot, id: string): string;
  /** Sorted set: workflow ids of a pipeline, scored by `created_at` ms. */
  workflowsOf(slot: Slot, pipelineId: string): string;
  /** String: the `WorkflowJob`'s stored form (one document per job, whichever workflows list it). */
  job(slot: Slot, id: string): string;
  /** List: job ids of a workflow in CircleCI's order. */
  jobsOf(slot: Slot, workflowId: string): string;
  /** String: the `JobRecord`'s stored form. */
  jobRecord(key: JobKey): string;
  /** String: `BoardIndexEntry` JSON, the board entry of one workflow name on one branch of a project. */
  boardEntry(projectSlug: string, branch: string, workflowName: string): string;
  /** Sorted set (every score 0, so by name): the workflow names with a board entry on a branch of a project. */
  boardNames(projectSlug: string, branch: string): string;
  /** Sorted set (every score 0, so by name): the branches of a project with a board entry. */
  boardBranches(projectSlug: string): string;
  /** Hash: job id -> `PendingApprovalRecord` JSON, a project's approval jobs on hold. */
  pendingApprovals(projectSlug: string): string;
  /** Hash: batch id (sorting oldest first) -> the staged change events of one write to this slot, JSON. */
  outbox(slot: Slot): string;

  /** Hash: project slug -> `StoredProject` JSON. */
  readonly projects: string;
  /** Hash: context id -> `StoredContext` JSON. */
  readonly contexts: string;
  /** Hash: pipeline id -> project slug. */
  readonly active: string;
  /** Hash: cursor name -> value. */
  readonly cursors: string;
  /** Hash: `streamStatusId(...)` -> `StreamStatusRecord` JSON. */
  readonly statuses: string;
  /** String: `SyncSummaryRecord` JSON. */
  readonly summary: string;
  /** Hash: pipeline, workflow or job id -> the slot of its project. */
  readonly owners: string;
  /** Hash: project slot -> project slug, for every slot written (where staged events may wait). */
  readonly slots: string;
  /** String with a TTL: `ActionRecord` JSON of one idempotency key (`key`: a digest of it, so any text fits). */
  actionRecord(key: string): string;
  /** String with a TTL: the sync leader's lease. */
  readonly leader: string;
  /** Integer: incremented by every new leader, the fencing epoch. */
  readonly leaderEpoch: string;

  /** Whether each slot has its own fence and sequence (a cluster), or all share one (one Redis). */
  readonly perSlot: boolean;
  /** Integer: the newest leader epoch that wrote `slot`; a write of an older one is refused. */
  fence(slot: Slot): string;
  /** Integer: incremented by every write to `slot` that changed something; invalidations carry it. */
  sequence(slot: Slot): string;
  /** The pub/sub channel of invalidations. */
  readonly invalidations: string;
}

export const DEFAULT_PREFIX = "ccgw:";

export interface KeyLayoutOptions {
  /** A Redis Cluster: a fence and a sequence per slot (`KeyLayout.perSlot`). Default false. */
  cluster?: boolean;
}

const SHARED_SLOT = "g";

/** The layout under `prefix`, which may not hold braces: they would replace the hash tags. */
export function keyLayout(prefix: string = DEFAULT_PREFIX, options: KeyLayoutOptions = {}): KeyLayout {
  if (/[{}]/.test(prefix)) throw new RangeError(`the key prefix may not contain "{" or "}", got ${JSON.stringify(prefix)}`);
  const key = (slot: Slot, rest: string): string => `${prefix}{${slot}}:${rest}`;
  const shared = (rest: string): string => key(SHARED_SLOT, rest);
  const inProject = (projectSlug: string, rest: string): string => key(projectSlot(projectSlug), rest);
  const perSlot = options.cluster === true;
  const leaderEpoch = shared("leader:epoch");
  return {
    shared: SHARED_SLOT,
    projectSlot,
    pipeline: (slot, id) => key(slot, `pipeline:${id}`),
    pipelinesOf: (projectSlug, branch) => {
      const slug = projectKey(projectSlug);
      return key(projectSlot(slug), branch === undefined ? `pipelines:${slug}` : `pipelines:${slug}:branch:${branch}`);
    },
    workflow: (slot, id) => key(slot, `workflow:${id}`),
    workflowsOf: (slot, pipelineId) => key(slot, `workflows-of:${pipelineId}`),
    job: (slot, id) => key(slot, `job:${id}`),
    jobsOf: (slot, workflowId) => key(slot, `jobs-of:${workflowId}`),
    jobRecord: (jobKey) => key(projectSlot(jobKey.projectSlug), `jobrec:${jobRecordId(jobKey)}`),
    boardEntry: (projectSlug, branch, workflowName) => inProject(projectSlug, `board:${projectKey(projectSlug)}:${branch}:${workflowName}`),
    boardNames: (projectSlug, branch) => inProject(projectSlug, `board-names:${projectKey(projectSlug)}:${branch}`),
    boardBranches: (projectSlug) => inProject(projectSlug, `board-branches:${projectKey(projectSlug)}`),
    pendingApprovals: (projectSlug) => inProject(projectSlug, `approvals:${projectKey(projectSlug)}`),
    outbox: (slot) => key(slot, "outbox"),
    projects: shared("projects"),
    contexts: shared("contexts"),
    active: shared("active"),
    cursors: shared("cursors"),
    statuses: shared("statuses"),
    summary: shared("summary"),
    owners: shared("owners"),
    slots: shared("slots"),
    actionRecord: (actionKey) => shared(`action:${actionKey}`),
    leader: shared("leader"),
    leaderEpoch,
    perSlot,
    fence: (slot) => (perSlot && slot !== SHARED_SLOT ? key(slot, "fence") : leaderEpoch),
    sequence: (slot) => (perSlot ? key(slot, "seq") : shared("seq")),
    invalidations: `${prefix}invalidations`,
  };
}

/** `p:` and 10 hex digits of the SHA-1 of the project's key: stable across versions and instances. */
function projectSlot(projectSlug: string): Slot {
  return `p:${createHash("sha1").update(projectKey(projectSlug)).digest("hex").slice(0, 10)}`;
}

/** A job's key as the store keeps it: its project's key, whatever the spelling asked for. */
export function storedJobKey(key: JobKey): JobKey {
  return { projectSlug: projectKey(key.projectSlug), number: key.number };
}

/** A job record's identity: CircleCI numbers jobs per project. */
export function jobRecordId(key: JobKey): string {
  return `${projectKey(key.projectSlug)}#${key.number}`;
}

/** A stream status' identity: one record per stream and project (`-` for streams without projects). */
export function streamStatusId(stream: StreamName, projectSlug: string | undefined): string {
  return `${stream}:${projectSlug ?? "-"}`;
}
