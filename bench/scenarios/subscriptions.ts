/**
 * Scenario 6: from a change the sync writes to the event reaching each of 100 connected subscribers. Each round
 * a pipeline is triggered upstream and a sync cycle picks it up, writes it, and publishes over Redis pub/sub; the
 * clock starts at that publish and stops when a subscriber's WebSocket delivers it.
 */
import { performance } from "node:perf_hooks";
import { createClient } from "graphql-ws";
import type { Client } from "graphql-ws";
import WebSocket from "ws";
import { waitFor } from "../../test/server/wait-for.js";
import type { GatewayRig } from "../gateway-rig.js";
import { percentile } from "../percentile.js";
import type { ServerProcess } from "../server-process.js";

export interface SubscriptionResult {
  subscribers: number;
  changes: number;
  deliveries: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

const SUBSCRIPTION = "subscription ($projectSlug: String) { pipelineCreated(projectSlug: $projectSlug) { id number state } }";

export async function measureSubscriptions(rig: GatewayRig, server: ServerProcess): Promise<SubscriptionResult> {
  const { subscribers, changes } = rig.settings.subscriptions;
  /** Pipeline id => when each subscriber got it. */
  const received = new Map<string, number[]>();
  const clients: Client[] = [];
  try {
    for (let index = 0; index < subscribers; index++) {
      const client = createClient({ url: server.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
      clients.push(client);
      client.subscribe<{ pipelineCreated: { id: string } }>(
        { query: SUBSCRIPTION, variables: { projectSlug: rig.slug } },
        {
          next: (result) => {
            const id = result.data?.pipelineCreated.id;
            if (id !== undefined) received.set(id, [...(received.get(id) ?? []), performance.now()]);
          },
          error: () => undefined,
          complete: () => undefined,
        },
      );
    }
    await waitFor("every subscriber to be listening", async () => (await server.stats()).subscribers >= subscribers);

    const latencies: number[] = [];
    for (let change = 0; change < changes; change++) {
      const pipeline = rig.sim.world.triggerPipeline(rig.slug);
      rig.sim.world.advance(1000);
      await rig.engine.runCycle();
      await waitFor(`pipeline ${pipeline.id} to reach every subscriber`, () => (received.get(pipeline.id)?.length ?? 0) >= subscribers);
      const publishedAt = rig.bus.publishedAt(pipeline.id);
      if (publishedAt === undefined) throw new Error(`the sync delivered pipeline ${pipeline.id} without publishing it`);
      latencies.push(...(received.get(pipeline.id) ?? []).map((at) => at - publishedAt));
    }
    return { subscribers, changes, deliveries: latencies.length, latencyP50Ms: percentile(latencies, 50), latencyP99Ms: percentile(latencies, 99) };
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
  }
}
