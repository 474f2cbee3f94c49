/** What each scenario runs with: the full run (a few minutes) and `--quick` (every scenario briefly, for CI). */

export interface BenchSettings {
  quick: boolean;
  /** Added by the simulator to every CircleCI response. */
  latencyMs: number;
  /** The simulator's page size for every list. */
  pageSize: number;
  /** The gateway's world: one project, so the dashboard is one project's newest pipelines. */
  world: { seed: number; pipelines: number; historyDays: number };
  /** The dashboard's page: `first`. */
  dashboardFirst: number;
  /** The simulator's rate limit for the gateway scenarios, and the gateway's own budget (CIRCLECI_REQUESTS_PER_SECOND). */
  gatewayRateLimit: number;
  /** CIRCLECI_CONCURRENCY of the gateway: the gate's concurrency. */
  gatewayConcurrency: number;
  warm: { connections: number; warmupSeconds: number; durationSeconds: number };
  ceilingMs: number;
  baselines: { connections: number; requests: number };
  sync: { rateLimit: number; concurrency: number; pipelines: number; historyDays: number; newPipelines: number };
  subscriptions: { subscribers: number; changes: number };
  /** Mutations sent to one instance, each heard by a subscriber on another. */
  actions: { rounds: number };
  /** The status board scenario: projects (each on three branches) and pipelines per branch at 1x history. */
  board: { projects: number; pipelinesPerBranch: number };
}

const FULL: BenchSettings = {
  quick: false,
  latencyMs: 50,
  pageSize: 20,
  world: { seed: 7, pipelines: 60, historyDays: 3 },
  dashboardFirst: 50,
  gatewayRateLimit: 1000,
  gatewayConcurrency: 32,
  warm: { connections: 16, warmupSeconds: 3, durationSeconds: 15 },
  ceilingMs: 5000,
  baselines: { connections: 4, requests: 8 },
  sync: { rateLimit: 100, concurrency: 8, pipelines: 8, historyDays: 1, newPipelines: 3 },
  subscriptions: { subscribers: 100, changes: 20 },
  actions: { rounds: 30 },
  board: { projects: 100, pipelinesPerBranch: 4 },
};

const QUICK: BenchSettings = {
  ...FULL,
  quick: true,
  warm: { connections: 16, warmupSeconds: 1, durationSeconds: 2 },
  ceilingMs: 500,
  baselines: { connections: 1, requests: 1 },
  sync: { ...FULL.sync, pipelines: 1 },
  subscriptions: { subscribers: 100, changes: 3 },
  actions: { rounds: 3 },
  board: { projects: 100, pipelinesPerBranch: 1 },
};

export function benchSettings(quick: boolean): BenchSettings {
  return quick ? QUICK : FULL;
}
