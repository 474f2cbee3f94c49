import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { own, stopProcess } from "./owned-processes.js";

/** The built CLI (`npm test` builds first): running dist/ catches ESM import-order bugs Vitest hides. */
export const CLI_PATH = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

export interface CliRun {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the first stdout line matching `pattern`; rejects if the process exits first or time runs out. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const child = own(
    spawn(process.execPath, [CLI_PATH, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] }),
    `circleci-gateway ${args.join(" ")}`,
  );
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  function waitForLine(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = out.split("\n").map((line) => line.match(pattern)).find((found) => found !== null);
        if (match) {
          cleanup();
          resolve(match);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`));
      }, timeoutMs);
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`exited with ${code} before a line matching ${pattern}; stdout:\n${out}\nstderr:\n${err}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.stdout?.off("data", check);
        child.off("exit", onExit);
      };
      child.stdout?.on("data", check);
      child.once("exit", onExit);
      check();
    });
  }

  return { child, stdout: () => out, stderr: () => err, waitForLine, exited };
}

/** What a CLI process needs to sync from the simulator into a shared Redis (a test-sized rate budget included). */
export function sharedRedisEnv(options: { sim: { token: string; url: string }; slugs: readonly string[]; redisUrl: string; prefix: string }): NodeJS.ProcessEnv {
  return {
    CIRCLECI_TOKEN: options.sim.token,
    CIRCLECI_BASE_URL: options.sim.url,
    CIRCLECI_PROJECT_SLUGS: options.slugs.join(","),
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.prefix,
    CIRCLECI_REQUESTS_PER_SECOND: "1000",
  };
}

/** A built `serve` process on a free port, once it says where its GraphQL endpoint is. */
export async function startServeProcess(env: NodeJS.ProcessEnv): Promise<{ run: CliRun; url: string }> {
  const run = runCli(["serve"], { ...env, PORT: "0" });
  try {
    const [, url] = (await run.waitForLine(/^GraphQL: (http:\/\/\S+\/graphql) /, 30_000)) as [string, string];
    return { run, url };
  } catch (error) {
    // A process that never said where it listens is nobody's to stop: stop it here.
    await stopProcess(run.child);
    throw error;
  }
}

/**
 * Stops a CLI process and resolves once it has exited: SIGTERM by default (as a user stops it: it drains), SIGKILL
 * when it outlasts the grace; one that has exited already is left as it is.
 */
export function stopCli(run: CliRun, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  return stopProcess(run.child, signal);
}
