import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { startSimulator } from "../simulator/index.js";
import { startServe } from "./serve.js";

/** Simulated seconds per real second: jobs finish and pipelines arrive while someone watches. */
const DEMO_SPEED = 20;
const DEMO_SYNC_INTERVAL_SECONDS = 3;

export interface DemoHandle {
  stop(): Promise<void>;
}

/**
 * The gateway against the built-in simulator with seeded, living data, on the embedded store: no token, no
 * Redis, everything in this process. The settings the user gave (PORT, HOST, LOG_LEVEL, ...) still apply; the
 * CircleCI side is the simulator's.
 */
export async function runDemo(config: Config, logger: Logger, print: (line: string) => void): Promise<DemoHandle> {
  const simulator = await startSimulator({
    world: { activity: { pipelineEveryMs: 5 * 60_000, rerunChance: 0.5 } },
    live: { tickMs: 1000, speed: DEMO_SPEED },
  });
  const slugs = [...simulator.world.state.projects.keys()];
  const [firstSlug = ""] = slugs;
  const demoConfig: Config = {
    ...config,
    circleciToken: simulator.token,
    baseUrl: simulator.url,
    projectSlugs: slugs,
    orgId: simulator.world.state.projects.get(firstSlug)?.organization_id,
    redisUrl: undefined,
    syncIntervalSeconds: DEMO_SYNC_INTERVAL_SECONDS,
    circleciRequestsPerSecond: Math.max(config.circleciRequestsPerSecond, 500),
  };
  print(`CircleCI simulator: ${simulator.url}/api/v2 (token ${simulator.token}: a local demo token, not a secret)`);
  let gateway;
  try {
    gateway = await startServe(demoConfig, logger, print);
  } catch (error) {
    await simulator.stop();
    throw error;
  }
  for (const line of sampleOperations(gateway.url, firstSlug)) print(line);
  print(sampleAction(simulator, firstSlug));
  return {
    async stop() {
      await gateway.stop();
      await simulator.stop();
    },
  };
}

/** The operations the demo suggests trying: the query limits' defaults must let them through. */
export function demoSampleOperations(slug: string): { query: string; subscription: string } {
  return {
    query: `{ pipelines(projectSlug: "${slug}", first: 5) { nodes { number state vcs { branch } workflows { name status jobs { name status } } } } }`,
    subscription: "subscription { workflowStatusChanged { name status projectSlug } }",
  };
}

/** The simulated CircleCI takes CircleCI's write endpoints too: what it does shows in the gateway after a sync. */
function sampleAction(simulator: { url: string; token: string }, slug: string): string {
  const trigger = `${simulator.url}/api/v2/project/${slug}/pipeline`;
  return `Act (on the simulated CircleCI; the gateway shows it after its next sync): curl -s -X POST ${trigger} -H 'Circle-Token: ${simulator.token}' -H 'content-type: application/json' -d '{"branch":"demo"}'`;
}

function sampleOperations(url: string, slug: string): string[] {
  const { query, subscription } = demoSampleOperations(slug);
  return [
    `Projects: the simulator's ${slug} and two more; new pipelines arrive every few seconds.`,
    `Query:   curl -s ${url} -H 'content-type: application/json' -d '${JSON.stringify({ query })}'`,
    `Subscribe (WebSocket, graphql-transport-ws): ${subscription}`,
    `Health and metrics: ${new URL("/readyz", url).href}, ${new URL("/metrics", url).href}`,
  ];
}
