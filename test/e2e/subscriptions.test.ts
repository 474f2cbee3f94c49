import { print } from "graphql";
import type { DocumentNode } from "graphql";
import { createClient } from "graphql-ws";
import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { Pipeline, Workflow, WorkflowJob } from "../../src/circleci/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { RedisEventBus } from "../../src/store/index.js";
import type { ChangeEvent, EventBus } from "../../src/store/index.js";
import { JobStatusChangedDocument, PipelineCreatedDocument, WorkflowStatusChangedDocument } from "../generated/graphql.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { waitFor } from "../server/wait-for.js";
import { startGateway } from "./gateway.js";
import type { Gateway } from "./gateway.js";

/** The three subscriptions over WebSocket against `serve` in-process, fed through the shared Redis bus. */
const PREFIX = "e2e-subscriptions:";
const SUBSCRIPTIONS: DocumentNode[] = [PipelineCreatedDocument, WorkflowStatusChangedDocument, JobStatusChangedDocument];
let sim: Simulator;
let redis: TestRedis;
let gateway: Gateway;
let bus: EventBus;
let slugs: [string, string];
const clients: Client[] = [];

beforeAll(async () => {
  [sim, redis] = await Promise.all([startSimulator({ world: { seed: 17, projects: 2, pipelinesPerProject: 3, historyDays: 2 } }), startTestRedis()]);
  slugs = [...sim.world.state.projects.keys()] as [string, string];
  gateway = await startGateway({ sim, redisUrl: redis.url, redisPrefix: PREFIX, projectSlugs: slugs, syncIntervalSeconds: 0 });
  bus = RedisEventBus.connect(redis.url, { prefix: PREFIX });
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await bus?.close();
  await gateway?.stop();
  await sim?.stop();
  await redis?.stop();
});

function connect(): Client {
  const client = createClient({ url: gateway.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
  clients.push(client);
  return client;
}

/** A received change: which subscription field it came from and the project it belongs to. */
interface Received {
  field: string;
  id: string;
  projectSlug: string;
}

/** Subscribes to the three subscriptions (filtered on `projectSlug` when given), collecting what arrives. */
function watchAll(client: Client, projectSlug?: string): Received[] {
  const received: Received[] = [];
  for (const document of SUBSCRIPTIONS) {
    client.subscribe<Record<string, { id: string; projectSlug: string }>>(
      { query: print(document), variables: projectSlug === undefined ? {} : { projectSlug } },
      {
        next: (result) => {
          for (const [field, value] of Object.entries(result.data ?? {})) received.push({ field, id: value.id, projectSlug: value.projectSlug });
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
  }
  return received;
}

/** One event of each kind for a project's newest pipeline, its first workflow and that workflow's first job. */
function changesOf(slug: string): ChangeEvent[] {
  const state = sim.world.state;
  const pipeline = state.pipelines.get(state.pipelinesByProject.get(slug)?.[0] as string) as Pipeline;
  const workflow = state.workflows.get(state.workflowsByPipeline.get(pipeline.id)?.[0] as string) as Workflow;
  const job = state.jobsByWorkflow.get(workflow.id)?.[0] as WorkflowJob;
  return [
    { type: "pipeline.created", projectSlug: slug, pipeline },
    { type: "workflow.status_changed", projectSlug: slug, workflow, previousStatus: null },
    { type: "job.status_changed", projectSlug: slug, workflowId: workflow.id, job, previousStatus: null },
  ];
}

const fieldsOf = (received: readonly Received[]) => new Set(received.map((change) => change.field));

/** Publishes `changes` until every one of the three subscriptions heard one (STACK.md pitfall 6: live is asynchronous). */
async function untilLive(received: Received[][], changes: ChangeEvent[]): Promise<void> {
  await waitFor("every subscription to be live", async () => {
    await bus.publish(changes);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return received.every((changesSeen) => fieldsOf(changesSeen).size === SUBSCRIPTIONS.length);
  });
}

describe("subscriptions over WebSocket", () => {
  it("a subscriber filtered on a project gets that project's changes only; an unfiltered one gets every project's", async () => {
    const [mine, other] = slugs;
    const filtered = watchAll(connect(), mine);
    const unfiltered = watchAll(connect());
    await untilLive([filtered, unfiltered], changesOf(mine));

    // The other project's changes, then a marker of mine: the bus keeps a publisher's order, so once the marker
    // arrived, the other project's changes have been through the filter.
    const before = filtered.length;
    await bus.publish([...changesOf(other), ...changesOf(mine)]);
    const othersSeen = () => fieldsOf(unfiltered.filter((change) => change.projectSlug === other));
    await waitFor("the marker", () => filtered.length >= before + SUBSCRIPTIONS.length && othersSeen().size === SUBSCRIPTIONS.length);

    expect(filtered.filter((change) => change.projectSlug !== mine)).toEqual([]);
    expect(filtered.length).toBeGreaterThan(before);
  });

  it("leaks no listener: after clients subscribe and leave, cleanly or abruptly, the count is back to its baseline", async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
    await waitFor("the first test's subscribers to leave", () => gateway.subscriberCount() === 0);

    for (let cycle = 0; cycle < 6; cycle += 1) {
      const client = connect();
      const received = watchAll(client, slugs[cycle % 2]);
      await untilLive([received], changesOf(slugs[cycle % 2] as string));
      expect(gateway.subscriberCount()).toBe(SUBSCRIPTIONS.length);
      clients.splice(clients.indexOf(client), 1);
      // Half the clients say goodbye (close 1000); the others vanish mid-connection, as a crashed browser would.
      if (cycle % 2 === 0) await client.dispose();
      else client.terminate();
      await waitFor(`the subscribers of client ${cycle} to be released`, () => gateway.subscriberCount() === 0);
    }

    const survivor = watchAll(connect(), slugs[0]);
    await untilLive([survivor], changesOf(slugs[0]));
    expect(gateway.subscriberCount()).toBe(SUBSCRIPTIONS.length);
  });
  it("takes many subscribers of one subscription without Node's listener-leak warning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const watched = Array.from({ length: 12 }, () => watchAll(connect(), slugs[1]));
      await untilLive(watched, changesOf(slugs[1]));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });
});
