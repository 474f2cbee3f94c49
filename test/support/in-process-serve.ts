import { afterAll, beforeAll } from "vitest";
import { startServe } from "../../src/commands/serve.js";
import type { ServeHandle } from "../../src/commands/serve.js";
import { loadConfig } from "../../src/config.js";
import type { Config } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import type { Logger } from "../../src/log.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator, SimulatorOptions } from "../../src/simulator/index.js";

export interface InProcessServe {
  /** The simulator of this file's tests, started in `beforeAll`. */
  readonly sim: Simulator;
  /** Its first project's slug. */
  readonly slug: string;
  /**
   * `serve` settings against the simulator: its token, URL and first project, the embedded store and no sync
   * (reads fall through to the simulator), a free port; `env` overrides any of them.
   */
  config(env?: Record<string, string>): Config;
  /** Runs `use` against `serve` started in-process with `config(env)`, and stops it afterwards, whatever happens. */
  withServe(env: Record<string, string>, use: (serve: ServeHandle, printed: readonly string[]) => Promise<void>, logger?: Logger): Promise<void>;
}

/** One small simulated world per test file, and `serve` in-process over it. */
export function useInProcessServe(world: SimulatorOptions["world"] = { seed: 3, projects: 1, pipelinesPerProject: 2, historyDays: 1 }): InProcessServe {
  let sim: Simulator | undefined;
  let slug: string | undefined;
  beforeAll(async () => {
    sim = await startSimulator({ world });
    slug = [...sim.world.state.projects.keys()][0];
  });
  afterAll(() => sim?.stop());

  const started = () => {
    if (sim === undefined || slug === undefined) throw new Error("the simulator starts in beforeAll: use it inside a test");
    return { sim, slug };
  };
  const config = (env: Record<string, string> = {}) => {
    const { sim, slug } = started();
    const base = { CIRCLECI_TOKEN: sim.token, CIRCLECI_BASE_URL: sim.url, CIRCLECI_PROJECT_SLUGS: slug, SYNC_INTERVAL_SECONDS: "0", PORT: "0" };
    return loadConfig("serve", { env: { ...base, ...env } }).config;
  };
  return {
    get sim() {
      return started().sim;
    },
    get slug() {
      return started().slug;
    },
    config,
    async withServe(env, use, logger = silentLogger) {
      const printed: string[] = [];
      const serve = await startServe(config(env), logger, (line) => printed.push(line));
      try {
        await use(serve, printed);
      } finally {
        await serve.stop();
      }
    },
  };
}
