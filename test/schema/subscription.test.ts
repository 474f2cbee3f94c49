import { setImmediate as tick } from "node:timers/promises";
import { createPubSub } from "@graphql-yoga/subscription";
import { parse, subscribe } from "graphql";
import type { ExecutionResult, GraphQLSchema } from "graphql";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildGatewaySchema } from "../../src/resolvers/build-schema.js";
import { CHANGE_TOPICS, forwardChangeEvents } from "../../src/resolvers/change-topics.js";
import { MemoryEventBus } from "../../src/store/index.js";
import type { ChangeEvent, Unsubscribe } from "../../src/store/index.js";
import { jobDoc, pipelineDoc, workflowDoc } from "./fixtures.js";

const A = "gh/acme/api";
const B = "gh/acme/web";

let bus: MemoryEventBus;
let schema: GraphQLSchema;
let stopForwarding: Unsubscribe;

beforeEach(async () => {
  const pubSub = createPubSub();
  schema = await buildGatewaySchema({ pubSub });
  bus = new MemoryEventBus();
  stopForwarding = await forwardChangeEvents(bus, pubSub);
});

afterEach(async () => {
  await stopForwarding();
  await bus.close();
});

/** Subscribes and waits until the subscription listens, so events published next reach it. */
async function open(query: string): Promise<AsyncIterator<ExecutionResult>> {
  const result = await subscribe({ schema, document: parse(query), contextValue: { projectSlugs: [] } });
  if (!(Symbol.asyncIterator in result)) throw new Error(`subscribe failed: ${JSON.stringify(result.errors)}`);
  return result[Symbol.asyncIterator]();
}

async function nextValues(iterator: AsyncIterator<ExecutionResult>, count: number, publish: () => Promise<void>): Promise<unknown[]> {
  const pending = iterator.next();
  await tick();
  await publish();
  const values = [await pending];
  while (values.length < count) values.push(await iterator.next());
  await iterator.return?.();
  return values.map((value) => value.value as ExecutionResult).map((result) => result.data);
}

// Events cross Redis as JSON: what the bus delivers has strings where Dates were.
const overTheWire = (events: ChangeEvent[]) => JSON.parse(JSON.stringify(events)) as ChangeEvent[];

describe("subscriptions, fed by change events", () => {
  it("one topic per change event type", () => {
    expect(Object.values(CHANGE_TOPICS)).toEqual(["PIPELINE_CREATED", "WORKFLOW_STATUS_CHANGED", "JOB_STATUS_CHANGED", "APPROVAL_REQUESTED", "BOARD_CHANGED"]);
  });

  it("pipelineCreated(projectSlug) receives only that project's pipelines", async () => {
    const iterator = await open(`subscription { pipelineCreated(projectSlug: "${A}") { id number projectSlug createdAt state vcs { branch } } }`);
    const values = await nextValues(iterator, 2, () =>
      bus.publish(
        overTheWire([
          { type: "pipeline.created", projectSlug: B, pipeline: pipelineDoc(B, "00000000-0000-4000-8000-000000000b01", 1) },
          { type: "pipeline.created", projectSlug: A, pipeline: pipelineDoc(A, "00000000-0000-4000-8000-000000000a01", 7) },
          { type: "workflow.status_changed", projectSlug: A, workflow: workflowDoc(A, "00000000-0000-4000-8000-000000000a02", "running"), previousStatus: null },
          { type: "pipeline.created", projectSlug: A, pipeline: pipelineDoc(A, "00000000-0000-4000-8000-000000000a03", 8) },
        ]),
      ),
    );
    expect(values).toEqual([
      { pipelineCreated: { id: "00000000-0000-4000-8000-000000000a01", number: 7, projectSlug: A, createdAt: "2025-06-01T12:00:00.123Z", state: "CREATED", vcs: { branch: "main" } } },
      { pipelineCreated: { id: "00000000-0000-4000-8000-000000000a03", number: 8, projectSlug: A, createdAt: "2025-06-01T12:00:00.123Z", state: "CREATED", vcs: { branch: "main" } } },
    ]);
  });

  it("a filter in any spelling of the project (long form, another case) receives that project's changes", async () => {
    for (const spelling of ["github/acme/api", "gh/Acme/API", "github/ACME/api"]) {
      const iterator = await open(`subscription { jobStatusChanged(projectSlug: "${spelling}") { id projectSlug } }`);
      const values = await nextValues(iterator, 1, () =>
        bus.publish([
          { type: "job.status_changed", projectSlug: B, workflowId: "w", job: jobDoc(B, "00000000-0000-4000-8000-000000000b04", "running"), previousStatus: null },
          { type: "job.status_changed", projectSlug: A, workflowId: "w", job: jobDoc(A, "00000000-0000-4000-8000-000000000a04", "running"), previousStatus: null },
        ]),
      );
      expect(values).toEqual([{ jobStatusChanged: { id: "00000000-0000-4000-8000-000000000a04", projectSlug: A } }]);
    }
  });

  it("workflowStatusChanged without projectSlug receives every project's workflows", async () => {
    const iterator = await open("subscription { workflowStatusChanged { id projectSlug status } }");
    const values = await nextValues(iterator, 2, () =>
      bus.publish([
        { type: "workflow.status_changed", projectSlug: B, workflow: workflowDoc(B, "00000000-0000-4000-8000-000000000b02", "failing"), previousStatus: "running" },
        { type: "workflow.status_changed", projectSlug: A, workflow: workflowDoc(A, "00000000-0000-4000-8000-000000000a02", "brand-new-status"), previousStatus: "running" },
      ]),
    );
    expect(values).toEqual([
      { workflowStatusChanged: { id: "00000000-0000-4000-8000-000000000b02", projectSlug: B, status: "FAILING" } },
      { workflowStatusChanged: { id: "00000000-0000-4000-8000-000000000a02", projectSlug: A, status: "UNKNOWN" } },
    ]);
  });

  it("jobStatusChanged(projectSlug)", async () => {
    const iterator = await open(`subscription { jobStatusChanged(projectSlug: "${B}") { id status jobNumber startedAt } }`);
    const values = await nextValues(iterator, 1, () =>
      bus.publish(
        overTheWire([
          { type: "job.status_changed", projectSlug: A, workflowId: "w", job: jobDoc(A, "00000000-0000-4000-8000-000000000a04", "running"), previousStatus: "queued" },
          { type: "job.status_changed", projectSlug: B, workflowId: "w", job: jobDoc(B, "00000000-0000-4000-8000-000000000b04", "terminated-unknown"), previousStatus: "running" },
        ]),
      ),
    );
    expect(values).toEqual([
      { jobStatusChanged: { id: "00000000-0000-4000-8000-000000000b04", status: "TERMINATED_UNKNOWN", jobNumber: 42, startedAt: "2025-06-01T12:00:05.500Z" } },
    ]);
  });

  it("approvalRequested(projectSlug) receives that project's approvals with their job, workflow, pipeline and wait", async () => {
    const iterator = await open(`subscription { approvalRequested(projectSlug: "${A}") { job { id type status } workflow { id status } pipeline { id number } waitingSince } }`);
    const approval = (slug: string, id: string) => ({
      job: { ...jobDoc(slug, id, "on_hold"), type: "approval", started_at: null },
      workflow: workflowDoc(slug, "00000000-0000-4000-8000-00000000a0f1", "on_hold"),
      pipeline: pipelineDoc(slug, "00000000-0000-4000-8000-00000000a0f2", 9),
      waitingSince: "2025-06-01T12:03:00.5Z",
    });
    const values = await nextValues(iterator, 1, () =>
      bus.publish(
        overTheWire([
          { type: "approval.requested", projectSlug: B, approval: approval(B, "00000000-0000-4000-8000-000000000b05") },
          { type: "approval.requested", projectSlug: A, approval: approval(A, "00000000-0000-4000-8000-000000000a05") },
        ]),
      ),
    );
    expect(values).toEqual([
      {
        approvalRequested: {
          job: { id: "00000000-0000-4000-8000-000000000a05", type: "APPROVAL", status: "ON_HOLD" },
          workflow: { id: "00000000-0000-4000-8000-00000000a0f1", status: "ON_HOLD" },
          pipeline: { id: "00000000-0000-4000-8000-00000000a0f2", number: 9 },
          waitingSince: "2025-06-01T12:03:00.500Z",
        },
      },
    ]);
  });

  it("boardChanged receives each changed entry, its runs and instants as the board answers them", async () => {
    const iterator = await open("subscription { boardChanged { projectSlug branch workflowName latest { id status } lastFinished { id } lastSuccessAt failingSince } }");
    const failed = { ...workflowDoc(B, "00000000-0000-4000-8000-000000000b06", "failed"), stopped_at: "2025-06-01T12:10:00.25Z" };
    const values = await nextValues(iterator, 1, () =>
      bus.publish(
        overTheWire([
          {
            type: "board.changed",
            projectSlug: B,
            entry: { projectSlug: B, branch: "main", workflowName: "build-and-test", latest: workflowDoc(B, "00000000-0000-4000-8000-000000000b07", "running"), lastFinished: failed, lastSuccessAt: null, failingSince: failed.stopped_at },
          },
        ]),
      ),
    );
    expect(values).toEqual([
      {
        boardChanged: {
          projectSlug: B,
          branch: "main",
          workflowName: "build-and-test",
          latest: { id: "00000000-0000-4000-8000-000000000b07", status: "RUNNING" },
          lastFinished: { id: "00000000-0000-4000-8000-000000000b06" },
          lastSuccessAt: null,
          failingSince: "2025-06-01T12:10:00.250Z",
        },
      },
    ]);
  });
});
