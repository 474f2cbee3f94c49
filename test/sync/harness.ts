import { setImmediate as tick } from "node:timers/promises";
import type { CircleCIClient, CircleCIClientOptions } from "../../src/circleci/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator, SimulatorOptions } from "../../src/simulator/index.js";
import { MemoryEventBus } from "../../src/store/events.js";
import type { ChangeEvent, DeliveredChangeEvent } from "../../src/store/events.js";
import { LocalInvalidations } from "../../src/store/invalidations.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import type { Store } from "../../src/store/store.js";
import type { WriteBatch } from "../../src/store/writes.js";
import { SyncEngine } from "../../src/sync/index.js";
import { StoreWriter } from "../../src/writer/index.js";
import type { SyncEngineOptions } from "../../src/sync/index.js";
import { DAY_MS, HOUR_MS, NOW, simulatorClient } from "../support/simulator-client.js";
import { compareStoreWithTruth } from "../support/truth.js";

export { DAY_MS, HOUR_MS, NOW } from "../support/simulator-client.js";

/** A simulator, a client on it, a store, a bus that records what it carried, the writer, and an engine on the simulator's clock. */
export interface SyncRig {
  sim: Simulator;
  client: CircleCIClient;
  store: Store;
  bus: MemoryEventBus;
  writer: StoreWriter;
  /** What the store's writes invalidate; only the embedded store's are heard (a store given in the options keeps its own). */
  invalidations: LocalInvalidations;
  engine: SyncEngine;
  slugs: string[];
  orgId: string;
  /** The entity events (pipelines, workflows, jobs) delivered since the last `takeEvents`. */
  takeEvents(): Promise<ChangeEvent[]>;
  /** The answer events (board entries, approvals) delivered since the last `takeAnswerEvents`. */
  takeAnswerEvents(): Promise<ChangeEvent[]>;
  /** Store vs truth for the backfill window of every project (contexts included). */
  differences(): Promise<string[]>;
  close(): Promise<void>;
}

export interface RigOptions {
  simulator?: SimulatorOptions;
  client?: Partial<CircleCIClientOptions>;
  engine?: Partial<Omit<SyncEngineOptions, "client" | "store" | "writer">>;
  store?: Store;
}

export const BACKFILL_DAYS = 10;

/** Events about answers rather than entities: the entity tests compare every event with CircleCI's changes. */
const ANSWER_EVENTS: ReadonlySet<ChangeEvent["type"]> = new Set(["approval.requested", "board.changed"]);

function withoutEnvelope({ eventId: _id, origin: _origin, ...event }: DeliveredChangeEvent): ChangeEvent {
  return event as ChangeEvent;
}

export async function startRig(options: RigOptions = {}): Promise<SyncRig> {
  const sim = await startSimulator({
    world: { seed: 7, now: NOW, projects: 2, pipelinesPerProject: 12, historyDays: 14 },
    ...options.simulator,
  });
  const client = simulatorClient(sim, options.client);
  const invalidations = new LocalInvalidations();
  const store = options.store ?? new MemoryStore({ invalidations });
  const bus = new MemoryEventBus();
  const writer = new StoreWriter({ store, bus });
  const slugs = [...sim.world.state.projects.keys()];
  const orgId = sim.world.state.projects.get(slugs[0] as string)?.organization_id as string;
  const engine = new SyncEngine({
    client,
    store,
    writer,
    projectSlugs: slugs,
    orgId,
    lookbackHours: 6,
    backfillDays: BACKFILL_DAYS,
    now: () => sim.world.state.now,
    ...options.engine,
  });
  let delivered: DeliveredChangeEvent[] = [];
  let answers: DeliveredChangeEvent[] = [];
  await bus.subscribe((event) => void (ANSWER_EVENTS.has(event.type) ? answers : delivered).push(event));
  return {
    sim,
    client,
    store,
    bus,
    writer,
    invalidations,
    engine,
    slugs,
    orgId,
    async takeEvents() {
      await tick();
      const events = delivered.map(withoutEnvelope);
      delivered = [];
      return events;
    },
    async takeAnswerEvents() {
      await tick();
      const events = answers.map(withoutEnvelope);
      answers = [];
      return events;
    },
    differences: () =>
      compareStoreWithTruth(store, sim.world, { projectSlugs: slugs, since: NOW - BACKFILL_DAYS * DAY_MS, orgId }),
    async close() {
      await client.close();
      await bus.close();
      await store.close();
      await sim.stop();
    },
  };
}

/**
 * The store, with `onWrite` called with each batch before the store applies it; it may throw to fail the write, or
 * return a promise to hold it back until it settles.
 */
export function interceptWrites(store: Store, onWrite: (batch: WriteBatch) => void | Promise<void>): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        if (property === "applyWrites") await onWrite(args[0] as WriteBatch);
        return (value as (...inner: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/**
 * A pipeline held on an approval, synced, then left behind its project's window by a day of newer activity and a
 * second cycle: from then on the sync re-polls it on its own, as an active pipeline. Returns its id.
 */
export async function holdPipelineBehindWindow(rig: SyncRig, slug: string): Promise<string> {
  const { world } = rig.sim;
  const held = world.triggerPipeline(slug, { holdForApproval: true }).id;
  world.advance(HOUR_MS);
  await rig.engine.runCycle();
  world.advance(DAY_MS);
  world.triggerPipeline(slug);
  world.advance(HOUR_MS);
  await rig.engine.runCycle();
  return held;
}

/** The store, where `meddle` runs once, right before the first write `when` picks reaches it: another writer at work. */
export function meddleOnce(store: Store, meddle: () => Promise<unknown>, when: (batch: WriteBatch) => boolean = () => true): Store {
  let armed = true;
  return interceptWrites(store, async (batch) => {
    if (!armed || !when(batch)) return;
    armed = false;
    await meddle();
  });
}

/** What a batch writes, by kind, e.g. `["summary"]` or `["job", "jobList", "workflow", "pipeline"]`. */
export function writeKinds(batch: WriteBatch): string[] {
  return [...new Set(batch.writes.map((write) => write.kind))];
}

/** One line per event, for exact set comparisons. */
export function eventKey(event: ChangeEvent): string {
  switch (event.type) {
    case "pipeline.created":
      return `pipeline.created ${event.pipeline.id}`;
    case "workflow.status_changed":
      return `workflow ${event.workflow.id} ${event.previousStatus} -> ${event.workflow.status}`;
    case "job.status_changed":
      return `job ${event.job.id} ${event.previousStatus} -> ${event.job.status}`;
    case "approval.requested":
      return `approval ${event.approval.job.id} requested`;
    case "board.changed":
      return `board ${event.entry.branch} ${event.entry.workflowName} -> ${event.entry.latest.id} ${event.entry.latest.status}`;
  }
}

/** The statuses CircleCI shows for the window: what change events are computed against. */
export interface StatusSnapshot {
  pipelines: Set<string>;
  workflows: Map<string, string>;
  jobs: Map<string, string>;
}

export function statusSnapshot(sim: Simulator, slugs: readonly string[], since: number): StatusSnapshot {
  const { state } = sim.world;
  const snapshot: StatusSnapshot = { pipelines: new Set(), workflows: new Map(), jobs: new Map() };
  for (const slug of slugs) {
    for (const id of state.pipelinesByProject.get(slug) ?? []) {
      const pipeline = state.pipelines.get(id);
      if (pipeline === undefined || Date.parse(pipeline.created_at) < since) continue;
      snapshot.pipelines.add(id);
      for (const workflowId of state.workflowsByPipeline.get(id) ?? []) {
        snapshot.workflows.set(workflowId, state.workflows.get(workflowId)?.status ?? "?");
        for (const job of state.jobsByWorkflow.get(workflowId) ?? []) snapshot.jobs.set(job.id, job.status);
      }
    }
  }
  return snapshot;
}

/** The events one cycle must publish to take a cache from `before` to `after`, as `eventKey`s, sorted. */
/**
 * The scenario several tests share: a first cycle (its events discarded), then new activity upstream (new
 * pipelines, an hour of progress, more new pipelines, `finalAdvanceMs` more). Returns the event keys the
 * next cycle must announce, sorted.
 */
export async function syncThenMakeActivity(rig: SyncRig, finalAdvanceMs: number): Promise<string[]> {
  const { world } = rig.sim;
  const since = NOW - BACKFILL_DAYS * DAY_MS;
  await rig.engine.runCycle();
  await rig.takeEvents();
  const before = statusSnapshot(rig.sim, rig.slugs, since);
  for (const slug of rig.slugs) world.triggerPipeline(slug);
  world.advance(HOUR_MS);
  for (const slug of rig.slugs) world.triggerPipeline(slug);
  world.advance(finalAdvanceMs);
  return expectedEventKeys(before, statusSnapshot(rig.sim, rig.slugs, since));
}

export function expectedEventKeys(before: StatusSnapshot, after: StatusSnapshot): string[] {
  const keys: string[] = [];
  for (const id of after.pipelines) if (!before.pipelines.has(id)) keys.push(`pipeline.created ${id}`);
  for (const [id, status] of after.workflows) {
    const previous = before.workflows.get(id);
    if (previous !== status) keys.push(`workflow ${id} ${previous ?? null} -> ${status}`);
  }
  for (const [id, status] of after.jobs) {
    const previous = before.jobs.get(id);
    if (previous !== status) keys.push(`job ${id} ${previous ?? null} -> ${status}`);
  }
  return keys.sort();
}
