import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import type { JobDetailWire, WorkflowJobWire } from "../../src/simulator/model.js";
import { jobKey } from "../../src/simulator/state.js";
import { isTerminalJobStatus } from "../../src/sync/live.js";
import { DashboardDocument } from "../generated/graphql.js";
import type { DashboardQuery } from "../generated/graphql.js";
import { startTestCluster } from "../support/redis-cluster.js";
import { startTestRedis } from "../support/redis-server.js";
import { enumOf, isoOf } from "./as-schema.js";
import { dataOf, firstSyncCycle, startGateway } from "./gateway.js";
import type { Gateway } from "./gateway.js";

/**
 * The dashboard (test/operations/dashboard.graphql) over real HTTP against `serve` in-process: what it costs in
 * CircleCI calls and Redis round trips, warm and cold, and that it answers what the simulator holds; on one Redis
 * and on a real Redis Cluster (3 primaries with a replica each), where one project's keys share a slot.
 */
interface RedisTarget {
  url: string;
  /** `REDIS_CLUSTER`'s value. */
  cluster: boolean;
  stop(): Promise<void>;
}

const TARGETS: { name: string; start: () => Promise<RedisTarget> }[] = [
  { name: "one Redis", start: async () => ({ ...(await startTestRedis()), cluster: false }) },
  {
    name: "a Redis Cluster",
    start: async () => {
      const cluster = await startTestCluster();
      return { url: cluster.url, cluster: true, stop: () => cluster.dispose() };
    },
  },
];

let sim: Simulator;
let redis: RedisTarget;
let slug: string;
const gateways: Gateway[] = [];
/** The simulator's page size: the pipeline listing costs one call per page. */
const PAGE_SIZE = 20;

describe.each(TARGETS)("on $name", ({ start }) => {
  beforeAll(async () => {
    [sim, redis] = await Promise.all([
      startSimulator({ world: { seed: 29, projects: 2, pipelinesPerProject: 60, historyDays: 5 }, pageSize: PAGE_SIZE }),
      start(),
    ]);
    [slug] = [...sim.world.state.projects.keys()] as [string];
  }, 60_000);

  afterAll(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.stop()));
    await sim?.stop();
    await redis?.stop();
  });

  async function gateway(redisPrefix: string, syncIntervalSeconds: number): Promise<Gateway> {
    const started = await startGateway({
      sim,
      redisUrl: redis.url,
      redisPrefix,
      projectSlugs: [...sim.world.state.projects.keys()],
      syncIntervalSeconds,
      settings: { REDIS_CLUSTER: String(redis.cluster) },
    });
    gateways.push(started);
    return started;
  }

  /** Runs the dashboard for `first` pipelines, returning the answer and what it cost. */
  async function dashboard(target: Gateway, first: number) {
    const calls = sim.counters.total();
    const roundTrips = target.store.roundTrips;
    const answer = await dataOf(target.url, DashboardDocument, { projectSlug: slug, first });
    return { answer, calls: sim.counters.total() - calls, roundTrips: target.store.roundTrips - roundTrips };
  }


  /** The dashboard's pipelines as the simulator holds them; workflows by id, as those created at one instant have no order. */
  function pipelinesOfSimulator(first: number) {
    const state = sim.world.state;
    return (state.pipelinesByProject.get(slug) ?? []).slice(0, first).map((id) => {
      const pipeline = found(state.pipelines.get(id), `pipeline ${id}`);
      return {
        id,
        number: pipeline.number,
        state: enumOf(pipeline.state),
        createdAt: isoOf(pipeline.created_at),
        vcs: pipeline.vcs === undefined ? null : { branch: pipeline.vcs.branch ?? null, revision: pipeline.vcs.revision, commitSubject: pipeline.vcs.commit?.subject ?? null },
        workflows: [...(state.workflowsByPipeline.get(id) ?? [])].sort().map(workflowOfSimulator),
      };
    });
  }

  function workflowOfSimulator(id: string) {
    const workflow = found(sim.world.state.workflows.get(id), `workflow ${id}`);
    return {
      id,
      name: workflow.name,
      status: enumOf(workflow.status),
      createdAt: isoOf(workflow.created_at),
      stoppedAt: isoOf(workflow.stopped_at),
      jobs: (sim.world.state.jobsByWorkflow.get(id) ?? []).map(jobOfSimulator),
    };
  }

  function jobOfSimulator(job: WorkflowJobWire) {
    const detail = job.job_number === undefined ? undefined : sim.world.state.jobDetails.get(jobKey(slug, job.job_number));
    return {
      id: job.id,
      name: job.name,
      type: enumOf(job.type),
      status: enumOf(job.status),
      jobNumber: job.job_number ?? null,
      details: detail === undefined ? null : jobDetailOfSimulator(detail),
    };
  }

  function jobDetailOfSimulator(detail: JobDetailWire) {
    return {
      number: detail.number,
      name: detail.name,
      status: enumOf(detail.status),
      webUrl: detail.web_url,
      durationMs: detail.duration,
      startedAt: isoOf(detail.started_at),
      stoppedAt: isoOf(detail.stopped_at),
      executor: { type: detail.executor.type ?? null, resourceClass: detail.executor.resource_class },
    };
  }

  function found<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`${what} is not in the world`);
    return value;
  }

  function withWorkflowsById(answer: DashboardQuery): DashboardQuery["pipelines"]["nodes"] {
    return answer.pipelines.nodes.map((pipeline) => ({ ...pipeline, workflows: [...pipeline.workflows].sort((a, b) => (a.id < b.id ? -1 : 1)) }));
  }

  describe("the dashboard over HTTP, warm (after the first sync)", () => {
    const WARM = "e2e-warm:";
    let syncing: Gateway;

    beforeAll(async () => {
      // One cycle, then the sync sleeps for the rest of the file: the counts below are the dashboard's alone.
      syncing = await gateway(WARM, 3600);
      await firstSyncCycle(syncing);
    }, 40_000);

    it("makes zero CircleCI calls and the same number of store round trips for 10 and for 50 pipelines", async () => {
      // Each size on its own serving instance: both start with an empty L1, so Redis answers everything.
      const ten = await dashboard(await gateway(WARM, 0), 10);
      const fifty = await dashboard(await gateway(WARM, 0), 50);
      expect(ten.answer.pipelines.nodes).toHaveLength(10);
      expect(fifty.answer.pipelines.nodes).toHaveLength(50);
      expect([ten.calls, fifty.calls]).toEqual([0, 0]);
      expect(ten.roundTrips).toBeGreaterThan(0);
      expect(fifty.roundTrips).toBe(ten.roundTrips);
    });

    it("answers what the simulator holds", async () => {
      const { answer } = await dashboard(syncing, 50);
      expect(withWorkflowsById(answer)).toEqual(pipelinesOfSimulator(50));
      expect(answer.pipelines.pageInfo).toEqual({ hasNextPage: true, endCursor: expect.any(String) });
    });
  });

  describe("the dashboard over HTTP, cold (a fresh Redis prefix, no sync)", () => {
    it("makes each CircleCI call it needs exactly once, and answers what the simulator holds", async () => {
      const cold = await gateway("e2e-cold:", 0);
      sim.counters.reset();
      const { answer } = await dashboard(cold, 50);
      expect(withWorkflowsById(answer)).toEqual(pipelinesOfSimulator(50));

      const workflows = answer.pipelines.nodes.flatMap((pipeline) => pipeline.workflows);
      const buildJobs = workflows.flatMap((workflow) => workflow.jobs).filter((job) => job.details !== null);
      // A rerun workflow lists the jobs it did not rerun under their old numbers: one job record serves both.
      const jobNumbers = new Set(buildJobs.map((job) => job.jobNumber));
      // Steps are fetched (v1.1) only for finished jobs: CircleCI gives them in full only then.
      const finishedJobNumbers = [...jobNumbers].filter((number) => isTerminalJobStatus(sim.world.state.jobDetails.get(jobKey(slug, number as number))?.status ?? ""));
      expect(workflows.length).toBeGreaterThan(50);
      expect(finishedJobNumbers.length).toBeGreaterThan(0);
      expect(sim.counters.byEndpoint()).toEqual({
        "GET /project/{slug}/pipeline": Math.ceil(50 / PAGE_SIZE),
        "GET /pipeline/{id}/workflow": answer.pipelines.nodes.length,
        "GET /workflow/{id}/job": workflows.length,
        "GET /project/{slug}/job/{number}": jobNumbers.size,
        "GET v1.1 /project/{slug}/{number}": finishedJobNumbers.length,
      });
    });
  });
});
