import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { own, stopProcess } from "./owned-processes.js";
import { makeProcessDir } from "./process-registry.js";

/**
 * A private `redis-server` per test run, on a free loopback port, so tests never touch a shared Redis and
 * fault tests can stop and restart it.
 */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** The running server's pid; undefined while it is stopped. */
  readonly pid: number | undefined;
  /** Kills it (SIGKILL: a crash, no chance to save). A persistent server keeps its data dir for `start`. */
  stop(): Promise<void>;
  /**
   * Starts it again on the same port: empty, or with everything acknowledged before the stop when persistent.
   * Does nothing while it runs (a second server could not bind the port, and the first would be lost to `stop`).
   */
  start(): Promise<void>;
  /** Stops it for good and removes its data dir, if any. */
  dispose(): Promise<void>;
}

export interface TestRedisOptions {
  /**
   * Keep the data across `stop`/`start`, as a production Redis with persistence does: an append-only file
   * fsynced on every write, so even a SIGKILL loses nothing acknowledged. Default false (nothing on disk).
   */
  persistent?: boolean;
}

const INSTALL_HINT =
  "redis-server was not found on PATH. The tests start their own Redis: install it with " +
  "`sudo apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), then run npm test again.";

export function redisServerAvailable(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

export async function startTestRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  if (!redisServerAvailable()) throw new Error(INSTALL_HINT);
  const [port] = (await freePorts(1)) as [number];
  const persistent = options.persistent ?? false;
  const dataDir = persistent ? makeProcessDir("redis-") : undefined;
  const args = [...persistenceArgs(persistent), ...(dataDir === undefined ? [] : ["--dir", dataDir])];
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) return;
    child = await launchRedisServer(port, args);
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (running !== undefined) await stopProcess(running);
  }

  async function dispose(): Promise<void> {
    await stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    start,
    stop,
    dispose,
  };
}

/**
 * Nothing on disk (no RDB snapshot, no append-only file), or, persistent, an append-only file fsynced on every
 * write, so that even a SIGKILL loses nothing acknowledged.
 */
export function persistenceArgs(persistent: boolean): string[] {
  return ["--save", "", ...(persistent ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"])];
}

/**
 * A `redis-server` on loopback `port` with `args`, owned (see owned-processes.ts), once it answers PING; it is
 * stopped again when it does not answer, and the error carries the end of its log (a port taken, a bad flag).
 */
export async function launchRedisServer(port: number, args: readonly string[]): Promise<ChildProcess> {
  const child = own(
    spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--protected-mode", "no", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    }),
    `redis-server :${port}`,
  );
  let log = "";
  const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-2_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  try {
    await waitForPing(port, child);
    return child;
  } catch (error) {
    await stopProcess(child);
    throw new Error(`${(error as Error).message}; its log ends:\n${log}`, { cause: error });
  }
}

/** Distinct loopback ports free at the moment (held together while chosen, so no two are the same). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve, reject) => {
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            if (typeof address === "object" && address !== null) resolve(address.port);
            else reject(new Error("a listening socket without a port"));
          });
        }),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function waitForPing(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited (${child.exitCode ?? child.signalCode}) before it answered PING`);
    }
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.setTimeout(500);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}
