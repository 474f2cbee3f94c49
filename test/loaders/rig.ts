import { afterAll, beforeAll } from "vitest";
import type { CircleCIClient, CircleCIClientOptions, Pipeline, Workflow, WorkflowJob } from "../../src/circleci/index.js";
import { createLoaderFactory } from "../../src/loaders/index.js";
import type { LoaderFactory, LoaderFactoryOptions, Loaders } from "../../src/loaders/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { storedForm } from "../../src/store/codec.js";
import { MemoryEventBus } from "../../src/store/events.js";
import { RedisInvalidations } from "../../src/store/redis-invalidations.js";
import { RedisStore } from "../../src/store/redis-store.js";
import type { JobRecord } from "../../src/store/store.js";
import { SyncEngine } from "../../src/sync/index.js";
import { StoreWriter } from "../../src/writer/index.js";
import { startTestRedis } from "../support/redis-server.js";
import { DAY_MS, NOW, simulatorClient } from "../support/simulator-client.js";
import type { TestRedis } from "../support/redis-server.js";

export { DAY_MS, NOW } from "../support/simulator-client.js";
export const BACKFILL_DAYS = 10;
export const LOOKBACK_HOURS = 6;

/** A simulator with settled history, a client, a fresh RedisStore, and a sync engine over the first `synced` projects. */
export interface LoaderRig {
  sim: Simulator;
  client: CircleCIClient;
  store: RedisStore;
  bus: MemoryEventBus;
  /** The store's writer, as the sync and the read path share it. */
  writer: StoreWriter;
  /** What the loaders evict by: the writer's, as every instance on this Redis receives them. */
  invalidations: RedisInvalidations;
  engine: SyncEngine;
  /** Projects the engine syncs. */
  synced: string[];
  /** Projects it does not. */
  unsynced: string[];
  factory(options?: Partial<LoaderFactoryOptions>): LoaderFactory;
  close(): Promise<void>;
}

export interface RigOptions {
  pipelinesPerProject?: number;
  client?: Partial<CircleCIClientOptions>;
}

/** Starts a private redis-server for the file; each rig gets its own key prefix on it. */
export function useRedis(): () => TestRedis {
  let redis: TestRedis | undefined;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  return () => {
    if (redis === undefined) throw new Error("redis-server did not start");
    return redis;
  };
}

let rigs = 0;

export async function startRig(redis: TestRedis, options: RigOptions = {}): Promise<LoaderRig> {
  const sim = await startSimulator({
    world: { seed: 11, now: NOW, projects: 3, pipelinesPerProject: options.pipelinesPerProject ?? 70, historyDays: 14 },
  });
  settle(sim);
  const client = simulatorClient(sim, { concurrency: 16, ...options.client });
  rigs += 1;
  const prefix = `loaders-test-${process.pid}-${rigs}:`;
  const store = new RedisStore({ url: redis.url, prefix });
  const invalidations = RedisInvalidations.connect(redis.url, { prefix });
  const bus = new MemoryEventBus();
  const slugs = [...sim.world.state.projects.keys()];
  const synced = slugs.slice(0, 2);
  const writer = new StoreWriter({ store, bus, syncLookbackMs: LOOKBACK_HOURS * 3_600_000 });
  const engine = new SyncEngine({
    client,
    store,
    writer,
    projectSlugs: synced,
    lookbackHours: LOOKBACK_HOURS,
    backfillDays: BACKFILL_DAYS,
    now: () => sim.world.state.now,
  });
  const factories: LoaderFactory[] = [];
  return {
    sim,
    client,
    store,
    bus,
    writer,
    invalidations,
    engine,
    synced,
    unsynced: slugs.slice(2),
    factory(factoryOptions = {}) {
      const factory = createLoaderFactory({ store, client, writer, invalidations, ...factoryOptions });
      factories.push(factory);
      return factory;
    },
    async close() {
      await Promise.all(factories.map((factory) => factory.close()));
      await client.close();
      await bus.close();
      await invalidations.close();
      await store.close();
      await sim.stop();
    },
  };
}

/** Gives every approval and lets time pass, twice (an approval job only waits once the jobs before it ran), so no work is left live. */
export function settle(sim: Simulator): void {
  for (let round = 0; round < 2; round++) {
    sim.world.approveAllOnHold();
    sim.world.advance(DAY_MS / 2);
  }
}

/** What a dashboard query reads: a page of pipelines, their workflows, their jobs, and the build jobs' records. */
export interface Dashboard {
  pipelines: Pipeline[];
  workflowsByPipeline: Map<string, string[]>;
  jobsByWorkflow: Map<string, string[]>;
  records: JobRecord[];
  endCursor: string | null;
}

export async function dashboard(loaders: Loaders, projectSlug: string, first: number, after?: string): Promise<Dashboard> {
  const page = await loaders.pipelinePage(projectSlug, { first, after });
  const workflowLists = (await loaders.workflowsOfPipeline.loadMany(page.pipelines.map((pipeline) => pipeline.id))).map(orThrow);
  const workflows = workflowLists.flat();
  const jobLists = (await loaders.jobsOfWorkflow.loadMany(workflows.map((workflow) => workflow.id))).map(orThrow);
  const numbered = uniqueNumbers(jobLists.flat());
  const records = (await loaders.jobRecord.loadMany(numbered.map((number) => ({ projectSlug, number })))).map(orThrow);
  return {
    pipelines: page.pipelines,
    workflowsByPipeline: new Map(page.pipelines.map((pipeline, index) => [pipeline.id, ids(workflowLists[index] ?? [])])),
    jobsByWorkflow: new Map(workflows.map((workflow, index) => [workflow.id, ids(jobLists[index] ?? [])])),
    records: records.flatMap((record) => (record === null ? [] : [record])),
    endCursor: page.endCursor,
  };
}

/**
 * A dashboard's documents as the store gives them back (`storedForm`): what the read path served from CircleCI and
 * what it serves from the store hold the same fields the resolvers read, the store's without the rest.
 */
export function inStoredForm(read: Dashboard): Dashboard {
  return {
    ...read,
    pipelines: read.pipelines.map((pipeline) => storedForm("pipeline", pipeline)),
    records: read.records.map((record) => storedForm("jobRecord", record)),
  };
}

/** What the simulator holds for the same pipelines, in the same shape. */
export function truthOf(
  sim: Simulator,
  pipelineIds: readonly string[],
): Pick<Dashboard, "workflowsByPipeline" | "jobsByWorkflow"> & { jobNumbers: number[] } {
  const { state } = sim.world;
  const oldestFirst = (ids: readonly string[]) =>
    ids
      .map((id) => ({ id, at: Date.parse(state.workflows.get(id)?.created_at ?? "") }))
      .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
      .map(({ id }) => id);
  const workflowsByPipeline = new Map(pipelineIds.map((id) => [id, oldestFirst(state.workflowsByPipeline.get(id) ?? [])]));
  const workflowIds = [...workflowsByPipeline.values()].flat();
  const jobsByWorkflow = new Map(workflowIds.map((workflowId) => [workflowId, (state.jobsByWorkflow.get(workflowId) ?? []).map((job) => job.id)]));
  const jobs = workflowIds.flatMap((workflowId) => state.jobsByWorkflow.get(workflowId) ?? []);
  const jobNumbers = [...new Set(jobs.flatMap((job) => (job.type === "build" && job.job_number != null ? [job.job_number] : [])))];
  return { workflowsByPipeline, jobsByWorkflow, jobNumbers };
}

/** The simulator's pipelines of a project, newest first (what CircleCI lists). */
export function newestPipelineIds(sim: Simulator, projectSlug: string): string[] {
  const { state } = sim.world;
  return [...(state.pipelinesByProject.get(projectSlug) ?? [])]
    .map((id) => state.pipelines.get(id))
    .flatMap((pipeline) => (pipeline === undefined ? [] : [pipeline]))
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || (a.id < b.id ? 1 : -1))
    .map((pipeline) => pipeline.id);
}

export function uniqueNumbers(jobs: readonly WorkflowJob[]): number[] {
  return [...new Set(jobs.flatMap((job) => (job.type === "build" && job.job_number != null ? [job.job_number] : [])))];
}

function ids(items: readonly (Workflow | WorkflowJob)[]): string[] {
  return items.map((item) => item.id);
}

function orThrow<T>(value: T | Error): T {
  if (value instanceof Error) throw value;
  return value;
}
