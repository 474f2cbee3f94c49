import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { pipelineSchema, workflowJobSchema, workflowSchema } from "../../src/circleci/schemas.js";
import { EventBusClosedError, MemoryEventBus } from "../../src/store/events.js";
import type { ChangeEvent, DeliveredChangeEvent, EventBus, EventBusOptions } from "../../src/store/events.js";
import { decodeChangeEvent, encodeChangeEvent } from "../../src/store/change-event-codec.js";
import { RedisEventBus } from "../../src/store/redis-event-bus.js";
import { pipeline, uuidFor, workflow, workflowJob } from "../circleci/support/resources.js";
import { startTestRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";

const WAIT = { timeout: 5_000, interval: 20 };
const MARKER_SLUG = "marker/drain/events";

function pipelineCreated(seed: number): ChangeEvent {
  return { type: "pipeline.created", projectSlug: "gh/acme/api", pipeline: pipelineSchema.parse(pipeline(seed)) };
}

function workflowStatusChanged(seed: number): ChangeEvent {
  const changed = workflowSchema.parse(workflow(seed, { status: "failed" }));
  return { type: "workflow.status_changed", projectSlug: "gh/acme/api", workflow: changed, previousStatus: "running" };
}

function jobStatusChanged(seed: number): ChangeEvent {
  const job = workflowJobSchema.parse(workflowJob(seed, { status: "running" }));
  return { type: "job.status_changed", projectSlug: "gh/acme/api", workflowId: uuidFor(2, 1), job, previousStatus: null };
}

/** A batch mixing every event type, each event distinct. */
function changes(size: number, firstSeed = 1): ChangeEvent[] {
  const makers = [pipelineCreated, workflowStatusChanged, jobStatusChanged];
  return Array.from({ length: size }, (_, index) => makers[index % makers.length]!(firstSeed + index));
}

function withoutEnvelope({ eventId: _eventId, origin: _origin, ...event }: DeliveredChangeEvent): ChangeEvent {
  return event;
}

interface Collector {
  readonly listener: (event: DeliveredChangeEvent) => void;
  /** Every event received, markers included. */
  readonly all: DeliveredChangeEvent[];
  /** The events received, markers left out, without their envelopes. */
  changes(): ChangeEvent[];
}

function collector(): Collector {
  const all: DeliveredChangeEvent[] = [];
  return {
    listener: (event) => void all.push(event),
    all,
    changes: () => all.filter((event) => event.projectSlug !== MARKER_SLUG).map(withoutEnvelope),
  };
}

/**
 * Publishes a marker on `bus` and waits until every collector has it: delivery keeps each publisher's
 * order, so whatever `bus` published before has arrived by then and counts can be asserted exactly.
 */
async function drain(bus: EventBus, ...collectors: Collector[]): Promise<void> {
  const marker: ChangeEvent = { ...pipelineCreated(0), projectSlug: MARKER_SLUG };
  const markerIds = new Set(collectors.flatMap((c) => c.all.filter((e) => e.projectSlug === MARKER_SLUG).map((e) => e.eventId)));
  await bus.publish([marker]);
  await vi.waitFor(() => {
    for (const c of collectors) expect(c.all.some((e) => e.projectSlug === MARKER_SLUG && !markerIds.has(e.eventId))).toBe(true);
  }, WAIT);
}

interface LogEntry {
  level: number;
  msg: string;
  [field: string]: unknown;
}

function recordingLogger(): { logger: pino.Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void entries.push(JSON.parse(line) as LogEntry) });
  return { logger, entries };
}

const LEVEL = { warn: 40, error: 50 } as const;

let redis: TestRedis;
const opened: EventBus[] = [];
let prefixes = 0;

beforeAll(async () => {
  redis = await startTestRedis();
});

afterAll(async () => {
  await redis.stop();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((bus) => bus.close()));
});

function track<T extends EventBus>(bus: T): T {
  opened.push(bus);
  return bus;
}

/** A fresh prefix per test, so no test sees another's events. */
function freshPrefix(): string {
  prefixes += 1;
  return `t${prefixes}:`;
}

const implementations: [string, (options: EventBusOptions & { prefix: string }) => EventBus][] = [
  ["MemoryEventBus", (options) => new MemoryEventBus(options)],
  ["RedisEventBus", (options) => RedisEventBus.connect(redis.url, options)],
];

describe.each(implementations)("%s", (_name, open) => {
  function openBus(options: EventBusOptions = {}): EventBus {
    return track(open({ prefix: freshPrefix(), ...options }));
  }

  it("delivers a batch to every listener in order, exactly once, stamped with a unique id and the origin", async () => {
    const bus = openBus({ instanceId: "instance-a" });
    const first = collector();
    const second = collector();
    await bus.subscribe(first.listener);
    await bus.subscribe(second.listener);
    const batch = changes(9);

    await bus.publish(batch);
    await bus.publish([]);
    await drain(bus, first, second);

    expect(first.changes()).toEqual(batch);
    expect(second.changes()).toEqual(batch);
    expect(new Set(first.all.map((event) => event.origin))).toEqual(new Set(["instance-a"]));
    const ids = first.all.map((event) => event.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.all.map((event) => event.eventId)).toEqual(ids);
  });

  it("keeps delivering to the other listeners when one throws or rejects, and logs each failure", async () => {
    const { logger, entries } = recordingLogger();
    const bus = openBus({ logger });
    const healthy = collector();
    await bus.subscribe(() => {
      throw new Error("listener bug");
    });
    await bus.subscribe(async () => {
      throw new Error("async listener bug");
    });
    await bus.subscribe(healthy.listener);
    const batch = changes(3);

    await bus.publish(batch);
    await drain(bus, healthy);

    expect(healthy.changes()).toEqual(batch);
    const failures = () => entries.filter((entry) => entry.level === LEVEL.error && entry.msg === "change event listener failed");
    await vi.waitFor(() => expect(failures()).toHaveLength(2 * (batch.length + 1)), WAIT);
    expect(failures().map((entry) => (entry.err as { message: string }).message)).toContain("async listener bug");
  });

  it("stops delivering to a listener once it unsubscribed, and only to that one", async () => {
    const bus = openBus();
    const leaving = collector();
    const staying = collector();
    const unsubscribe = await bus.subscribe(leaving.listener);
    await bus.subscribe(staying.listener);
    const before = changes(2);
    const after = changes(2, 10);

    await bus.publish(before);
    await drain(bus, leaving, staying);
    await unsubscribe();
    await bus.publish(after);
    await drain(bus, staying);

    expect(leaving.changes()).toEqual(before);
    expect(staying.changes()).toEqual([...before, ...after]);
  });

  it("delivers the same function once per subscription", async () => {
    const bus = openBus();
    const twice = collector();
    const unsubscribeFirst = await bus.subscribe(twice.listener);
    await bus.subscribe(twice.listener);
    const [event] = changes(1);

    await bus.publish([event!]);
    await drain(bus, twice);
    await unsubscribeFirst();
    await bus.publish([event!]);
    await drain(bus, twice);

    expect(twice.changes()).toEqual([event, event, event]);
  });

  it("rejects publish and subscribe once closed, and delivers nothing more", async () => {
    const bus = openBus();
    const listener = collector();
    await bus.subscribe(listener.listener);

    await bus.close();

    await expect(bus.publish(changes(1))).rejects.toBeInstanceOf(EventBusClosedError);
    await expect(bus.subscribe(() => undefined)).rejects.toBeInstanceOf(EventBusClosedError);
    await bus.close();
    expect(listener.all).toEqual([]);
  });
});

describe("MemoryEventBus", () => {
  it("never runs listener code inside publish", async () => {
    const bus = track(new MemoryEventBus());
    const listener = collector();
    await bus.subscribe(listener.listener);

    const published = bus.publish(changes(2));
    expect(listener.all).toEqual([]);
    await published;
    await vi.waitFor(() => expect(listener.changes()).toEqual(changes(2)), WAIT);
  });
});

describe("RedisEventBus across instances", () => {
  function openPair(): { prefix: string; a: RedisEventBus; b: RedisEventBus } {
    const prefix = freshPrefix();
    return {
      prefix,
      a: track(RedisEventBus.connect(redis.url, { prefix, instanceId: "instance-a" })),
      b: track(RedisEventBus.connect(redis.url, { prefix, instanceId: "instance-b" })),
    };
  }

  it("delivers what A publishes to A's and B's listeners, each publisher's events in order, exactly once", async () => {
    const { a, b } = openPair();
    const atA = collector();
    const atB = collector();
    await a.subscribe(atA.listener);
    await b.subscribe(atB.listener);
    const fromA = changes(12);
    const fromB = changes(12, 100);

    await Promise.all([a.publish(fromA.slice(0, 6)), b.publish(fromB.slice(0, 6))]);
    await Promise.all([a.publish(fromA.slice(6)), b.publish(fromB.slice(6))]);
    await drain(a, atA, atB);
    await drain(b, atA, atB);

    for (const received of [atA, atB]) {
      const origin = (instance: string) =>
        received.all.filter((e) => e.origin === instance && e.projectSlug !== MARKER_SLUG).map(withoutEnvelope);
      expect(origin("instance-a")).toEqual(fromA);
      expect(origin("instance-b")).toEqual(fromB);
    }
    expect(atB.all.map((event) => event.eventId)).toEqual(expect.arrayContaining(atA.all.map((event) => event.eventId)));
    expect(atB.all).toHaveLength(atA.all.length);
  });

  it("is live when subscribe resolves: an event published right after it arrives", async () => {
    const { a, b } = openPair();
    const atB = collector();
    const [event] = changes(1);

    await b.subscribe(atB.listener);
    await a.publish([event!]);

    await vi.waitFor(() => expect(atB.changes()).toEqual([event]), WAIT);
  });

  it("keeps deployments with different prefixes apart on one Redis", async () => {
    const mine = track(RedisEventBus.connect(redis.url, { prefix: freshPrefix() }));
    const theirs = track(RedisEventBus.connect(redis.url, { prefix: freshPrefix() }));
    const atMine = collector();
    const atTheirs = collector();
    await mine.subscribe(atMine.listener);
    await theirs.subscribe(atTheirs.listener);

    await theirs.publish(changes(3));
    await drain(theirs, atTheirs);
    await drain(mine, atMine);

    expect(atMine.changes()).toEqual([]);
    expect(atTheirs.changes()).toEqual(changes(3));
    expect(mine.channel).not.toBe(theirs.channel);
  });

  it("drops and logs a malformed message without disturbing listeners", async () => {
    const { logger, entries } = recordingLogger();
    const prefix = freshPrefix();
    const bus = track(RedisEventBus.connect(redis.url, { prefix, logger }));
    const listener = collector();
    await bus.subscribe(listener.listener);
    const raw = new Redis(redis.url);
    const valid = changes(1);
    const [wellFormed] = JSON.parse(JSON.stringify(valid)) as Record<string, unknown>[];
    const stamped = { eventId: randomUUID(), origin: "elsewhere" };
    try {
      await raw.publish(bus.channel, "{ not json");
      await raw.publish(bus.channel, JSON.stringify({ ...stamped, type: "pipeline.created", projectSlug: "gh/acme/api" }));
      await raw.publish(bus.channel, JSON.stringify({ ...wellFormed, ...stamped, type: "pipeline.deleted" }));
      await raw.publish(bus.channel, JSON.stringify({ ...wellFormed, eventId: "not-a-uuid", origin: "elsewhere" }));
      await bus.publish(valid);
      await drain(bus, listener);
    } finally {
      raw.disconnect();
    }

    expect(listener.changes()).toEqual(valid);
    const dropped = entries.filter((entry) => entry.level === LEVEL.warn && entry.msg === "dropped a malformed change event");
    expect(dropped).toHaveLength(4);
  });

  it("reconnects and resubscribes by itself after Redis restarts", async () => {
    const { a, b } = openPair();
    const atA = collector();
    const atB = collector();
    await a.subscribe(atA.listener);
    await b.subscribe(atB.listener);
    await a.publish(changes(1));
    await drain(a, atA, atB);

    await redis.stop();
    await redis.start();
    // Pub/sub keeps nothing: what is published before B has resubscribed is lost, so probe until it is back.
    const probe: ChangeEvent = { ...pipelineCreated(50), projectSlug: "probe/after/restart" };
    await vi.waitFor(
      async () => {
        await a.publish([probe]);
        expect(atB.all.some((event) => event.projectSlug === probe.projectSlug)).toBe(true);
      },
      { timeout: 10_000, interval: 100 },
    );
    const afterRestart = changes(4, 200);
    await a.publish(afterRestart);
    await drain(a, atA, atB);

    const latest = (received: Collector) => received.changes().filter((e) => e.projectSlug !== probe.projectSlug).slice(1);
    expect(latest(atA)).toEqual(afterRestart);
    expect(latest(atB)).toEqual(afterRestart);
  });
});

describe("the wire form", () => {
  it("round-trips every event type and drops fields it does not know", () => {
    for (const event of changes(3)) {
      const delivered = { ...event, eventId: randomUUID(), origin: "instance-a" };
      expect(decodeChangeEvent(encodeChangeEvent(delivered))).toEqual({ event: delivered });
      const extended = JSON.stringify({ ...delivered, addedByANewerVersion: true });
      expect(decodeChangeEvent(extended)).toEqual({ event: delivered });
    }
  });

  it("names what is wrong with a message it rejects", () => {
    const [event] = changes(1);
    const delivered = { ...event!, eventId: randomUUID(), origin: "instance-a" };
    expect(decodeChangeEvent("[1,")).toEqual({ error: expect.stringContaining("not JSON") });
    const broken = JSON.stringify({ ...delivered, pipeline: { ...pipeline(1), number: "one" } });
    expect(decodeChangeEvent(broken)).toEqual({ error: expect.stringContaining("pipeline.number") });
  });
});
