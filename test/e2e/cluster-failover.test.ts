import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { keyLayout } from "../../src/store/index.js";
import { DashboardDocument } from "../generated/graphql.js";
import { startTestCluster } from "../support/redis-cluster.js";
import type { TestCluster } from "../support/redis-cluster.js";
import { waitFor } from "../server/wait-for.js";
import { enumOf } from "./as-schema.js";
import { dataOf, execute, firstSyncCycle, startGateway } from "./gateway.js";
import type { Gateway } from "./gateway.js";

/**
 * A syncing gateway on a real Redis Cluster while the primary that holds a project's slot fails over (its replica
 * promoted): the gateway keeps answering, the sync goes on writing through the promoted node, and the store ends
 * equal to what the simulated CircleCI holds.
 */
const PREFIX = "e2e-failover:";
let sim: Simulator;
let cluster: TestCluster;
let gateway: Gateway;
let slug: string;

beforeAll(async () => {
  [sim, cluster] = await Promise.all([startSimulator({ world: { seed: 53, projects: 2, pipelinesPerProject: 20, historyDays: 2 } }), startTestCluster()]);
  [slug] = [...sim.world.state.projects.keys()] as [string];
  gateway = await startGateway({
    sim,
    redisUrl: cluster.url,
    redisPrefix: PREFIX,
    projectSlugs: [...sim.world.state.projects.keys()],
    syncIntervalSeconds: 1,
    settings: { REDIS_CLUSTER: "true" },
  });
  await firstSyncCycle(gateway);
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await sim?.stop();
  await cluster?.dispose();
});

/** The project's 50 newest pipelines and their workflows' statuses, as the simulator holds them. */
function truth() {
  const state = sim.world.state;
  return (state.pipelinesByProject.get(slug) ?? []).slice(0, 50).map((id) => ({
    id,
    workflows: [...(state.workflowsByPipeline.get(id) ?? [])].sort().map((workflowId) => ({ id: workflowId, status: enumOf(state.workflows.get(workflowId)?.status ?? "") })),
  }));
}

async function served() {
  const answer = await dataOf(gateway.url, DashboardDocument, { projectSlug: slug, first: 50 });
  return answer.pipelines.nodes.map((pipeline) => ({
    id: pipeline.id,
    workflows: pipeline.workflows.map(({ id, status }) => ({ id, status })).sort((a, b) => (a.id < b.id ? -1 : 1)),
  }));
}

describe("a primary fails over under a syncing gateway", () => {
  it("keeps answering, goes on syncing through the promoted replica, and loses nothing", { timeout: 120_000 }, async () => {
    const before = truth();
    expect(await served()).toEqual(before);
    const [primary] = await cluster.primariesFor([keyLayout(PREFIX, { cluster: true }).pipelinesOf(slug)]);
    sim.world.advance(2 * 3_600_000);
    const failedOver = cluster.failover({ how: "kill", primary: primary as number });
    // Queries during the failover: each is answered (from the L1, or once the slot has a primary again).
    const during: number[] = [];
    for (let index = 0; index < 5; index++) during.push((await execute(gateway.url, DashboardDocument, { projectSlug: slug, first: 50 })).status);
    const result = await failedOver;
    expect(result.promoted).not.toBe(primary);
    expect(during.every((status) => status === 200)).toBe(true);
    sim.world.advance(2 * 3_600_000);
    const expected = truth();
    // Not vacuous: CircleCI moved on, so only a sync after the failover can make the store equal to it.
    expect(expected).not.toEqual(before);
    await waitFor("the store equal to the simulator after the failover", async () => JSON.stringify(await served()) === JSON.stringify(expected), 60_000);
    expect(await cluster.primariesFor([keyLayout(PREFIX, { cluster: true }).pipelinesOf(slug)])).toEqual([result.promoted]);
  });
});
