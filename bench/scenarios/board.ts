/**
 * Scenario 8: the status board of many projects. Two stores alike but for the length of their history (1x and 10x
 * as many pipelines on every branch), filled through the writer (so the board index is what it keeps), hold the
 * same projects, branches and workflow names. One board request on a fresh gateway over each (an empty L1: the
 * store answers everything) counts its Redis round trips, which must not grow with history; then the board of
 * every branch of every project under load, 16 clients, warm, the answer cache off.
 */
import { Redis } from "ioredis";
import type { Pipeline, Project, Workflow } from "../../src/circleci/index.js";
import { MemoryEventBus } from "../../src/store/events.js";
import { RedisStore } from "../../src/store/redis-store.js";
import { StoreWriter } from "../../src/writer/index.js";
import { fetchDashboard } from "../gateway-rig.js";
import type { GatewayRig } from "../gateway-rig.js";
import type { ServerProcess } from "../server-process.js";
import { measureWarm } from "./warm.js";
import type { WarmResult } from "./warm.js";

export interface BoardResult {
  projects: number;
  branchesPerProject: number;
  /** Board entries in one answer. */
  entries: number;
  pipelines1x: number;
  pipelines10x: number;
  /** Redis round trips of one board request on an empty L1. */
  roundTrips1x: number;
  roundTrips10x: number;
  /** The board under load (answer cache off), over the 1x store. */
  warm: WarmResult;
}

const BOARD_QUERY = `{
  statusBoard(allBranches: true) {
    projectSlug branch workflowName
    latest { id status pipelineNumber createdAt }
    lastFinished { id status stoppedAt }
    lastSuccessAt failingSince
  }
}`;
export const BOARD_BODY = JSON.stringify({ query: BOARD_QUERY });

const WORKFLOW_NAMES = ["build-test", "deploy"] as const;
const BRANCHES = ["main", "develop", "feature/tiles"] as const;
const ORG_ID = "00000000-0000-4000-8000-0000000000aa";
const START = Date.parse("2026-01-01T00:00:00.000Z");
const MINUTE_MS = 60_000;

export async function measureBoard(rig: GatewayRig): Promise<BoardResult> {
  const { projects, pipelinesPerBranch } = rig.settings.board;
  const pipelines1x = await fill(rig, "bench-board-1x:", projects, pipelinesPerBranch);
  const pipelines10x = await fill(rig, "bench-board-10x:", projects, 10 * pipelinesPerBranch);
  const roundTrips10x = await withFreshServer(rig, "bench-board-10x:", async (server) => (await oneRequest(server)).roundTrips);
  return withFreshServer(rig, "bench-board-1x:", async (server) => {
    const first = await oneRequest(server);
    const warm = await measureWarm(rig, server, BOARD_BODY);
    return {
      projects,
      branchesPerProject: BRANCHES.length,
      entries: first.entries,
      pipelines1x,
      pipelines10x,
      roundTrips1x: first.roundTrips,
      roundTrips10x,
      warm,
    };
  });
}

async function withFreshServer<T>(rig: GatewayRig, prefix: string, work: (server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await rig.startServer("cached", prefix);
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

async function oneRequest(server: ServerProcess): Promise<{ roundTrips: number; entries: number }> {
  const before = await server.stats();
  const answer = await fetchDashboard(server.url, BOARD_BODY);
  const after = await server.stats();
  return { roundTrips: after.redisRoundTrips - before.redisRoundTrips, entries: (answer.data as { statusBoard: unknown[] }).statusBoard.length };
}

/**
 * Projects with the same branches and workflow names, `pipelinesPerBranch` pipelines on each branch a minute apart,
 * committed as the sync commits them (a batch per project and branch); returns the pipelines written. A prefix
 * already filled is emptied first, so every run measures the same store.
 */
async function fill(rig: GatewayRig, prefix: string, projects: number, pipelinesPerBranch: number): Promise<number> {
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
      const slug = `gh/bench/service-${String(index).padStart(3, "0")}`;
      await writer.putProjects([{ slug, project: projectDocument(slug, nextId()) }]);
      let number = 0;
      for (const branch of BRANCHES) {
        const pipelines: Pipeline[] = [];
        const workflows: Workflow[] = [];
        for (let rank = 0; rank < pipelinesPerBranch; rank++) {
          number += 1;
          const createdAt = new Date(START + number * MINUTE_MS).toISOString();
          const pipeline = pipelineDocument(slug, nextId(), number, branch, createdAt);
          pipelines.push(pipeline);
          const newest = rank === pipelinesPerBranch - 1;
          WORKFLOW_NAMES.forEach((name, order) => {
            workflows.push(workflowDocument(pipeline, nextId(), name, statusOf(number + order + index, newest && order === 0)));
          });
        }
        await writer.commitPipelineTrees({ projectSlug: slug, pipelines, workflows, jobLists: new Map(), jobRecords: [], active: { add: [], remove: [] }, announce: false });
      }
    }
  } finally {
    await store.close();
  }
  return projects * BRANCHES.length * pipelinesPerBranch;
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
