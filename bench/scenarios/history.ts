/**
 * The stores the status board and insights scenarios read: two alike but for the length of their history. Each
 * holds the same projects, branches and workflow names, and the same runs inside a 30-day window; the 10x store
 * also holds nine times as many older runs before it. So an answer over the window must cost the same on both,
 * and the board (latest runs) too: neither may grow with history. The window is the 30 days before the fill, the
 * insights' default one, so a request for every project needs no arguments but the slug (and fits the default
 * token limit); runs sit at least a day inside it, so it may slide for the length of a run.
 */
import { Redis } from "ioredis";
import type { Pipeline, Project, Workflow } from "../../src/circleci/index.js";
import { MemoryEventBus } from "../../src/store/events.js";
import { RedisStore } from "../../src/store/redis-store.js";
import { StoreWriter } from "../../src/writer/index.js";
import { fetchDashboard } from "../gateway-rig.js";
import type { GatewayRig, StartServerOptions } from "../gateway-rig.js";
import type { ServerProcess } from "../server-process.js";

export interface Histories {
  projects: number;
  branchesPerProject: number;
  /** Pipelines of each store. */
  pipelines1x: number;
  pipelines10x: number;
  /** Pipelines of each store inside the window (the same in both). */
  pipelinesInWindow: number;
  /** The days of the window the runs fill, which ends when the fill began. */
  windowDays: number;
}

export const HISTORY_1X_PREFIX = "bench-history-1x:";
export const HISTORY_10X_PREFIX = "bench-history-10x:";

export const WORKFLOW_NAMES = ["build-test", "deploy"] as const;
const BRANCHES = ["main", "develop", "feature/tiles"] as const;
const ORG_ID = "00000000-0000-4000-8000-0000000000aa";
const DAY_MS = 86_400_000;
const WINDOW_MS = 30 * DAY_MS;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export function projectSlugOf(index: number): string {
  return `gh/bench/service-${String(index).padStart(3, "0")}`;
}

/** Fills both stores through the writer (so the board index is what it keeps), emptying what a previous run left. */
export async function fillHistories(rig: GatewayRig): Promise<Histories> {
  const { projects, pipelinesPerBranch } = rig.settings.board;
  const inWindow = pipelinesPerBranch * BRANCHES.length;
  const windowStart = Date.now() - WINDOW_MS;
  await fill(rig, HISTORY_1X_PREFIX, { projects, inWindow, older: 0, windowStart });
  await fill(rig, HISTORY_10X_PREFIX, { projects, inWindow, older: 9 * inWindow, windowStart });
  return {
    projects,
    branchesPerProject: BRANCHES.length,
    pipelines1x: projects * inWindow,
    pipelines10x: projects * inWindow * 10,
    pipelinesInWindow: projects * inWindow,
    windowDays: WINDOW_MS / DAY_MS,
  };
}

/** Runs `work` against a gateway freshly started over one of the stores (an empty L1: the store answers everything). */
export async function withFreshServer<T>(rig: GatewayRig, prefix: string, options: StartServerOptions, work: (server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await rig.startServer("cached", prefix, options);
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

/** One request's answer and the Redis round trips it cost. */
export async function countedRequest(server: ServerProcess, body: string): Promise<{ roundTrips: number; data: unknown }> {
  const before = await server.stats();
  const answer = await fetchDashboard(server.url, body);
  const after = await server.stats();
  return { roundTrips: after.redisRoundTrips - before.redisRoundTrips, data: answer.data };
}

/**
 * Each project gets `inWindow` pipelines spread evenly over the window, on the branches in turn, and before them
 * `older` pipelines a minute apart ending two hours before the window's start (the insights' listing reads up to an
 * hour before a window: its bound is rounded down to the hour); committed as the sync commits them (a batch per
 * project). The runs inside the window have the same statuses whatever `older` is.
 */
async function fill(rig: GatewayRig, prefix: string, shape: { projects: number; inWindow: number; older: number; windowStart: number }): Promise<void> {
  const { projects, inWindow, older, windowStart } = shape;
  const admin = new Redis(rig.redis.url);
  const stale = await admin.keys(`${prefix}*`);
  if (stale.length > 0) await admin.del(...stale);
  admin.disconnect();
  const store = new RedisStore({ url: rig.redis.url, prefix });
  const writer = new StoreWriter({ store, bus: new MemoryEventBus() }).forSync(undefined);
  let ids = 0;
  const nextId = () => `00000000-0000-4000-8000-${(ids++).toString(16).padStart(12, "0")}`;
  try {
    for (let index = 0; index < projects; index++) {
      const slug = projectSlugOf(index);
      await writer.putProjects([{ slug, project: projectDocument(slug, nextId()) }]);
      const pipelines: Pipeline[] = [];
      const workflows: Workflow[] = [];
      for (let rank = 0; rank < older + inWindow; rank++) {
        const recent = rank - older;
        const createdAt = recent < 0 ? windowStart - 2 * HOUR_MS + recent * MINUTE_MS : windowStart + DAY_MS + (recent * (WINDOW_MS - 2 * DAY_MS)) / inWindow;
        const branch = BRANCHES[rank % BRANCHES.length] as string;
        const pipeline = pipelineDocument(slug, nextId(), rank + 1, branch, new Date(createdAt).toISOString());
        pipelines.push(pipeline);
        const newestOfBranch = recent >= inWindow - BRANCHES.length;
        WORKFLOW_NAMES.forEach((name, order) => {
          workflows.push(workflowDocument(pipeline, nextId(), name, statusOf(Math.abs(recent) + order + index, newestOfBranch && order === 0)));
        });
      }
      await writer.commitPipelineTrees({ projectSlug: slug, pipelines, workflows, jobLists: new Map(), jobRecords: [], active: { add: [], remove: [] }, announce: false });
      // As the sync records a project it listed: the store then answers its pages, CircleCI is not asked.
      await writer.putStreamStatuses([{ stream: "pipelines", projectSlug: slug, lastSuccessAt: new Date().toISOString(), records: pipelines.length }]);
    }
  } finally {
    await store.close();
  }
}

/** A mix a board shows: mostly green, some red streaks, the odd cancel, the newest build running. */
function statusOf(seed: number, running: boolean): string {
  if (running) return "running";
  if (seed % 7 === 0) return "canceled";
  return seed % 3 === 0 ? "failed" : "success";
}
function projectDocument(slug: string, id: string): Project {
  const name = slug.split("/")[2] as string;
  return {
    id,
    slug,
    name,
    organization_name: "bench",
    organization_slug: "gh/bench",
    organization_id: ORG_ID,
    vcs_info: { vcs_url: `https://github.com/bench/${name}`, provider: "GitHub", default_branch: "main" },
  };
}

function pipelineDocument(slug: string, id: string, number: number, branch: string, createdAt: string): Pipeline {
  return {
    id,
    number,
    project_slug: slug,
    created_at: createdAt,
    state: "created",
    errors: [],
    trigger: { type: "webhook", received_at: createdAt, actor: { login: "bench", avatar_url: null } },
    vcs: {
      provider_name: "GitHub",
      origin_repository_url: `https://github.com/${slug.slice(3)}`,
      target_repository_url: `https://github.com/${slug.slice(3)}`,
      revision: "0123456789abcdef0123456789abcdef01234567",
      branch,
    },
  };
}

function workflowDocument(pipeline: Pipeline, id: string, name: string, status: string): Workflow {
  const live = status === "running";
  return {
    id,
    name,
    pipeline_id: pipeline.id,
    pipeline_number: pipeline.number,
    project_slug: pipeline.project_slug,
    status,
    started_by: ORG_ID,
    created_at: pipeline.created_at,
    stopped_at: live ? null : new Date(Date.parse(pipeline.created_at) + 5 * MINUTE_MS).toISOString(),
  };
}
