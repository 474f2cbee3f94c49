import { spawn, type ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { Redis } from "ioredis";
import { own, stopProcess } from "./owned-processes.js";
import { makeProcessDir } from "./process-registry.js";
import { freePorts, launchRedisServer, persistenceArgs, redisServerAvailable } from "./redis-server.js";

/**
 * A real Redis Cluster on loopback for tests: three primaries with one replica each, six `redis-server
 * --cluster-enabled yes` processes on free ports, each with its own temporary directory and nodes file, joined
 * by `redis-cli --cluster create`. Every process is owned (owned-processes.ts), so none outlives the test run.
 *
 * ```ts
 * const cluster = await startTestCluster();          // resolves once every node agrees the cluster is ok
 * const client = new Cluster(cluster.seeds, { ... }); // ioredis
 * const { stopped, promoted } = await cluster.failover({ how: "kill" }); // a primary dies, its replica takes over
 * await cluster.restart(stopped);                    // it comes back, as the new primary's replica
 * await cluster.dispose();                           // in afterAll
 * ```
 *
 * Replication is asynchronous. A write a primary acknowledged can be lost when the primary dies before its
 * replica received it: after a `kill`, only writes the replica was known to hold (a `WAIT 1 <ms>` after them that
 * answered 1) are sure to be there. A `manual` failover (CLUSTER FAILOVER on the replica) loses nothing: the
 * primary pauses its clients until the replica has caught up, then hands over.
 */
export interface TestCluster {
  /** The nodes, by the port they were started on; a primary and a replica may swap roles on a failover. */
  readonly ports: readonly number[];
  /** Startup nodes for ioredis's `new Cluster(seeds, options)`: every node, so any one of them is enough. */
  readonly seeds: readonly { host: string; port: number }[];
  /** The same as `REDIS_URL`'s comma-separated seed list: `redis://127.0.0.1:7001,redis://127.0.0.1:7002,...`. */
  readonly url: string;
  /** The pid of the node on `port`; undefined while it is stopped. */
  pid(port: number): number | undefined;
  /** Who serves which slots now, as the running nodes all see it. */
  topology(): Promise<ClusterTopology>;
  /** The port of the primary that serves each key's hash slot now, in the order of `keys`. */
  primariesFor(keys: readonly string[]): Promise<number[]>;
  /**
   * Fails over one primary (default: the one serving slot 0) and resolves once every running node agrees the
   * cluster is ok again with the replica promoted. `kill`: SIGKILL the primary (a crash; it stays stopped until
   * `restart`); `manual`: CLUSTER FAILOVER on its replica (the old primary goes on, as the new one's replica).
   */
  failover(options: { how: "kill" | "manual"; primary?: number }): Promise<FailoverResult>;
  /** Starts a stopped node again with its nodes file, and resolves once it is a linked replica and all is ok. */
  restart(port: number): Promise<void>;
  /** Stops every node and removes their directories. */
  dispose(): Promise<void>;
}

export interface TestClusterOptions {
  /**
   * An append-only file fsynced on every write on each node, so a restarted node comes back with its data.
   * Default false: nothing on disk (a restarted node is refilled by its primary).
   */
  persistent?: boolean;
  /**
   * `cluster-node-timeout`: how long a node may be unreachable before it counts as failing. A killed primary is
   * replaced about this long after its death plus an election of about a second. Default 2000 ms: short, and still
   * long enough that a node starved of CPU on a busy machine is not taken for dead.
   */
  nodeTimeoutMs?: number;
}

export interface ClusterTopology {
  readonly primaries: readonly { port: number; slots: readonly (readonly [number, number])[]; replicas: readonly number[] }[];
}

export interface FailoverResult {
  readonly how: "kill" | "manual";
  /** The primary failed over: stopped after a `kill`, a replica of `promoted` after a `manual` failover. */
  readonly stopped: number;
  /** Its replica, the primary of its slots now. */
  readonly promoted: number;
  /** From the failover's start until every running node agreed the cluster was ok again. */
  readonly tookMs: number;
}

const HOST = "127.0.0.1";
const SLOTS = 16_384;
const PRIMARIES = 3;
const READY_TIMEOUT_MS = 30_000;

export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  if (!redisServerAvailable()) throw new Error("redis-server was not found on PATH: install redis-server and redis-tools (Debian) or redis (Homebrew)");
  // Each node needs a port for clients and one for the cluster bus (by default the port + 10000, which may not exist).
  const ports = await freePorts(PRIMARIES * 4);
  const nodes = Array.from({ length: PRIMARIES * 2 }, (_, index) => ({
    port: ports[index * 2] as number,
    busPort: ports[index * 2 + 1] as number,
    dir: makeProcessDir("redis-cluster-"),
    child: undefined as ChildProcess | undefined,
  }));
  const byPort = (port: number) => {
    const node = nodes.find((candidate) => candidate.port === port);
    if (node === undefined) throw new Error(`no node of this cluster listens on port ${port}`);
    return node;
  };
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2_000;
  const launch = async (node: (typeof nodes)[number]) => {
    node.child = await launchRedisServer(node.port, [
      ...["--cluster-enabled", "yes", "--cluster-port", String(node.busPort), "--cluster-config-file", "nodes.conf"],
      ...["--cluster-node-timeout", String(nodeTimeoutMs)],
      // A replica takes over however long it was cut off from its primary: a test kills primaries on purpose.
      ...["--cluster-replica-validity-factor", "0"],
      // A primary would otherwise wait 5 s for more replicas before it sends a new one its data set.
      ...["--repl-diskless-sync-delay", "0"],
      ...["--dir", node.dir, ...persistenceArgs(options.persistent ?? false)],
    ]);
  };
  const running = () => nodes.filter((node) => node.child !== undefined).map((node) => node.port);

  const cluster: TestCluster = {
    ports: nodes.map((node) => node.port),
    seeds: nodes.map((node) => ({ host: HOST, port: node.port })),
    url: nodes.map((node) => `redis://${HOST}:${node.port}`).join(","),
    pid: (port) => byPort(port).child?.pid,
    topology: async () => agreedTopology(await views(running())),
    async primariesFor(keys) {
      const [port] = running() as [number];
      const [slots, { primaries }] = await Promise.all([ask(port, keys.map((key) => ["CLUSTER", "KEYSLOT", key])), cluster.topology()]);
      return slots.map((slot, index) => {
        const owner = primaries.find((primary) => primary.slots.some(([from, to]) => Number(slot) >= from && Number(slot) <= to));
        if (owner === undefined) throw new Error(`no primary serves slot ${slot} of key "${keys[index]}"`);
        return owner.port;
      });
    },
    async failover({ how, primary }) {
      const before = await cluster.topology();
      const target = primary === undefined ? before.primaries.find((candidate) => candidate.slots.some(([from]) => from === 0)) : before.primaries.find((candidate) => candidate.port === primary);
      if (target === undefined) throw new Error(`port ${primary} is not a primary of this cluster now: ${describeTopology(before)}`);
      const [replica] = target.replicas;
      if (replica === undefined) throw new Error(`the primary on port ${target.port} has no replica to promote: ${describeTopology(before)}`);
      const startedAt = performance.now();
      if (how === "kill") {
        const node = byPort(target.port);
        const child = node.child;
        node.child = undefined;
        if (child !== undefined) await stopProcess(child);
      } else {
        await ask(replica, [["CLUSTER", "FAILOVER"]]);
      }
      await waitUntil(`the replica on port ${replica} took over from port ${target.port} (${how})`, async () => {
        const topology = await healthyTopology(running());
        return topology?.primaries.some((candidate) => candidate.port === replica) ?? false;
      });
      return { how, stopped: target.port, promoted: replica, tookMs: Math.round(performance.now() - startedAt) };
    },
    async restart(port) {
      const node = byPort(port);
      if (node.child !== undefined) throw new Error(`the node on port ${port} is running: only a stopped node can be restarted`);
      await launch(node);
      await waitUntil(`the node on port ${port} rejoined`, async () => (await healthyTopology(running())) !== undefined);
    },
    async dispose() {
      await Promise.all(nodes.map(async (node) => {
        const child = node.child;
        node.child = undefined;
        if (child !== undefined) await stopProcess(child);
        await rm(node.dir, { recursive: true, force: true });
      }));
    },
  };

  try {
    // Settled all, so that none is still starting when a failure to start another disposes of them.
    const launched = await Promise.allSettled(nodes.map(launch));
    const failure = launched.find((outcome) => outcome.status === "rejected");
    if (failure !== undefined) throw failure.reason;
    await create(nodes.map((node) => node.port));
    await waitUntil("the new cluster is ok on every node", async () => (await healthyTopology(running())) !== undefined);
    return cluster;
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
}

/** `redis-cli --cluster create`: slots spread over the first three nodes, a replica for each from the others. */
async function create(ports: readonly number[]): Promise<void> {
  const args = ["--cluster", "create", ...ports.map((port) => `${HOST}:${port}`), "--cluster-replicas", "1", "--cluster-yes"];
  const child = own(spawn("redis-cli", args, { stdio: ["ignore", "pipe", "pipe"] }), "redis-cli --cluster create");
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => {
    child.once("exit", resolve);
    child.once("error", () => resolve(null));
  });
  if (code !== 0) throw new Error(`redis-cli --cluster create failed (exit ${code}; is redis-tools installed?):\n${output}`);
}

/** Commands to one node, in one round trip over a connection of its own that fails at once when the node is down. */
async function ask(port: number, commands: readonly string[][]): Promise<unknown[]> {
  const client = new Redis({ host: HOST, port, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => undefined);
  try {
    await client.connect();
    // A pipeline's commands are named as ioredis's methods are: in lower case.
    const replies = (await client.pipeline(commands.map(([name = "", ...args]) => [name.toLowerCase(), ...args])).exec()) ?? [];
    return replies.map(([error, reply]) => {
      if (error !== null) throw error;
      return reply;
    });
  } finally {
    client.disconnect();
  }
}

interface NodeView {
  port: number;
  /** CLUSTER INFO as fields. */
  info: Map<string, string>;
  /** This node's replication link to its primary, if it is a replica: "up" once in sync. */
  masterLink: string | undefined;
  /** Each node it knows with slots, by port: the slot ranges and the ports of its replicas. */
  primaries: Map<number, { slots: [number, number][]; replicas: number[] }>;
  /** Whether it counts itself a replica. */
  replica: boolean;
}

async function views(ports: readonly number[]): Promise<NodeView[]> {
  return Promise.all(
    ports.map(async (port) => {
      const [info, nodes, replication] = await ask(port, [["CLUSTER", "INFO"], ["CLUSTER", "NODES"], ["INFO", "replication"]]);
      return { port, info: fields(String(info)), ...parseNodes(String(nodes)), masterLink: fields(String(replication)).get("master_link_status") };
    }),
  );
}

function fields(text: string): Map<string, string> {
  return new Map(
    text
      .split(/\r?\n/)
      .filter((line) => line.includes(":"))
      .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trim()] as [string, string]),
  );
}

/**
 * CLUSTER NODES, one line a node: `<id> <ip:port@busport> <flags> <primary id or -> <ping> <pong> <epoch> <link>
 * <slot or from-to>...`. Nodes flagged `fail` are left out; slots being migrated (`[...]`) are not counted.
 */
function parseNodes(text: string): Pick<NodeView, "primaries" | "replica"> {
  const entries = text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [id = "", address = "", flags = "", primaryId = "-", , , , , ...slots] = line.trim().split(" ");
      return { id, port: Number(/:(\d+)@/.exec(address)?.[1]), flags: new Set(flags.split(",")), primaryId, slots };
    });
  const portOf = new Map(entries.map(({ id, port }) => [id, port]));
  const live = entries.filter(({ flags }) => !flags.has("fail"));
  const primaries = new Map<number, { slots: [number, number][]; replicas: number[] }>();
  for (const { port, flags, slots } of live) {
    const ranges = slots
      .filter((slot) => !slot.startsWith("["))
      .map((slot): [number, number] => {
        const [from = 0, to = from] = slot.split("-").map(Number);
        return [from, to];
      });
    if (flags.has("master") && ranges.length > 0) primaries.set(port, { slots: ranges, replicas: [] });
  }
  for (const { port, flags, primaryId } of live) {
    const primary = portOf.get(primaryId);
    if (flags.has("slave") && primary !== undefined) primaries.get(primary)?.replicas.push(port);
  }
  return { primaries, replica: entries.find(({ flags }) => flags.has("myself"))?.flags.has("slave") ?? false };
}

/** The topology all `views` share; throws when two nodes disagree (a failover still spreading). */
function agreedTopology(nodeViews: readonly NodeView[]): ClusterTopology {
  const shapes = nodeViews.map((view) => JSON.stringify([...view.primaries.entries()].sort(([a], [b]) => a - b)));
  if (new Set(shapes).size !== 1) throw new Error(`the nodes do not agree on the topology yet: ${shapes.join(" | ")}`);
  const [first] = nodeViews;
  return {
    primaries: [...(first?.primaries.entries() ?? [])]
      .sort(([a], [b]) => a - b)
      .map(([port, { slots, replicas }]) => ({ port, slots, replicas: [...replicas].sort((a, b) => a - b) })),
  };
}

/**
 * The topology, once the cluster is ok on every one of `ports`: `cluster_state:ok`, all 16384 slots assigned and
 * served, every replica linked to its primary and in sync, and all of them seeing the same primaries for the same
 * slots. Undefined while it is not.
 */
async function healthyTopology(ports: readonly number[]): Promise<ClusterTopology | undefined> {
  const nodeViews = await views(ports);
  const ok = nodeViews.every(
    (view) =>
      view.info.get("cluster_state") === "ok" &&
      view.info.get("cluster_slots_assigned") === String(SLOTS) &&
      view.info.get("cluster_slots_ok") === String(SLOTS) &&
      (!view.replica || view.masterLink === "up"),
  );
  return ok ? agreedTopology(nodeViews) : undefined;
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
      last = undefined;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}${last === undefined ? "" : `: ${(last as Error).message}`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function describeTopology(topology: ClusterTopology): string {
  return topology.primaries.map(({ port, replicas }) => `primary ${port} (replicas ${replicas.join(", ") || "none"})`).join("; ");
}
