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
  let gateway;
  try {
    gateway = await startServe(demoConfig, logger, print, { actionsWithoutKey: true });
  } catch (error) {
    await simulator.stop();
    throw error;
  }
  // After the gateway's own lines, so the status page is the first thing the demo prints.
  print(`CircleCI simulator: ${simulator.url}/api/v2 (token ${simulator.token}: a local demo token, not a secret)`);
  for (const line of sampleOperations(gateway.url, firstSlug)) print(line);
  print(sampleAction(gateway.url, firstSlug));
  return {
    async stop() {
      await gateway.stop();
      await simulator.stop();
    },
  };
}

/** The operations the demo suggests trying: the query limits' defaults must let them through. */
export function demoSampleOperations(slug: string): { query: string; subscription: string; mutation: string } {
  return {
    query: `{ pipelines(projectSlug: "${slug}", first: 5) { nodes { number state vcs { branch } workflows { name status jobs { name status } } } } }`,
    subscription: "subscription { workflowStatusChanged { name status projectSlug } }",
    mutation: `mutation { triggerPipeline(projectSlug: "${slug}", branch: "demo") { id number state } }`,
  };
}

/** The demo's CircleCI is the simulator, so its mutations need no key: a trigger shows in the gateway at once. */
function sampleAction(url: string, slug: string): string {
  const { mutation } = demoSampleOperations(slug);
  return `Act (a mutation; the demo needs no key for it): curl -s ${url} -H 'content-type: application/json' -d '${JSON.stringify({ query: mutation })}'`;
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
