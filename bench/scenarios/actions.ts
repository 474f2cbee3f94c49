/**
 * Scenario 8: an action's effect, from the mutation's answer on one instance to a subscriber's event on another.
 * Two gateway processes share Redis (a prefix of their own, so the warm cache stays as it was); a client subscribed
 * to `pipelineCreated` on B; each round a client sends `triggerPipeline` to A. The clock (the runner's, for both
 * ends) starts when A's answer has arrived and stops when B's subscriber receives the pipeline. A delivers the event
 * before it answers, so a latency may be negative: B heard of the pipeline before its author did.
 */
import { performance } from "node:perf_hooks";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { TRIGGER_SETUP_MS } from "../../src/simulator/routes-actions.js";
import { waitFor } from "../../test/server/wait-for.js";
import type { GatewayRig } from "../gateway-rig.js";
import { percentile } from "../percentile.js";

export interface ActionsResult {
  rounds: number;
  /** A's answer to B's subscriber. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** The mutation itself: sent to answered (CircleCI's trigger, then the re-read and the write). */
  mutationP50Ms: number;
  mutationP99Ms: number;
  /** Triggers the simulator received: one per round. */
  triggersSent: number;
}

const PREFIX = "bench-actions:";
const WRITE_KEY = "bench-write-key-0123456789";
const TRIGGER = "POST /project/{slug}/pipeline";
const MUTATION = "mutation ($projectSlug: String!) { triggerPipeline(projectSlug: $projectSlug, branch: \"bench\") { id number state } }";

export async function measureActions(rig: GatewayRig): Promise<ActionsResult> {
  const [a, b] = await Promise.all([rig.startServer("cached", PREFIX, { writeKeys: [WRITE_KEY] }), rig.startServer("cached", PREFIX, { writeKeys: [WRITE_KEY] })]);
  const heard = new Map<string, number>();
  const client = createClient({ url: b.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
  try {
    client.subscribe<{ pipelineCreated: { id: string } }>(
      { query: "subscription ($projectSlug: String) { pipelineCreated(projectSlug: $projectSlug) { id } }", variables: { projectSlug: rig.slug } },
      {
        next: (result) => {
          const id = result.data?.pipelineCreated.id;
          if (id !== undefined && !heard.has(id)) heard.set(id, performance.now());
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    await waitFor("B's subscriber to be listening", async () => (await b.stats()).subscribers >= 1);
    const sentBefore = rig.sim.counters.bodies(TRIGGER).length;
    const latencies: number[] = [];
    const mutations: number[] = [];
    for (let round = 0; round < rig.settings.actions.rounds; round++) {
      const sentAt = performance.now();
      const response = await fetch(a.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${WRITE_KEY}` },
        body: JSON.stringify({ query: MUTATION, variables: { projectSlug: rig.slug } }),
      });
      const answer = (await response.json()) as { data?: { triggerPipeline: { id: string } }; errors?: unknown[] };
      const answeredAt = performance.now();
      const id = answer.data?.triggerPipeline.id;
      if (id === undefined) throw new Error(`the trigger failed: ${JSON.stringify(answer)}`);
      await waitFor(`pipeline ${id} to reach B's subscriber`, () => heard.has(id));
      latencies.push((heard.get(id) as number) - answeredAt);
      mutations.push(answeredAt - sentAt);
      // Its workflows appear: A's follow-up of the effect ends, as it would in CircleCI a moment later.
      rig.sim.world.advance(TRIGGER_SETUP_MS);
    }
    return {
      rounds: latencies.length,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      mutationP50Ms: percentile(mutations, 50),
      mutationP99Ms: percentile(mutations, 99),
      triggersSent: rig.sim.counters.bodies(TRIGGER).length - sentBefore,
    };
  } finally {
    await client.dispose();
    await Promise.all([a.stop(), b.stop()]);
  }
}
