import { CircleCIClient } from "../circleci/index.js";
import type { Pipeline, Workflow } from "../circleci/index.js";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { startSimulator } from "../simulator/index.js";

/** Simulated minutes per real second: jobs finish and pipelines arrive while someone watches. */
const DEMO_SPEED = 20;
const WATCH_EVERY_MS = 2000;
const WATCHED_PIPELINES = 5;

export interface DemoHandle {
  stop(): Promise<void>;
}

/**
 * The simulator with seeded, living data, watched through the real CircleCI client. Needs no token and no
 * Redis: everything runs in this process on loopback.
 */
export async function runDemo(config: Config, logger: Logger, print: (line: string) => void): Promise<DemoHandle> {
  const simulator = await startSimulator({
    world: { activity: { pipelineEveryMs: 5 * 60_000, rerunChance: 0.5 } },
    live: { tickMs: 1000, speed: DEMO_SPEED },
  });
  const client = new CircleCIClient({ token: simulator.token, baseUrl: simulator.url, logger });
  const slugs = [...simulator.world.state.projects.keys()];

  print(`CircleCI simulator: ${simulator.url}/api/v2 (token ${simulator.token}: a local demo token, not a secret)`);
  print(`Projects: ${slugs.join(", ")}`);
  print(`Try: curl -H "Circle-Token: ${simulator.token}" ${simulator.url}/api/v2/project/${slugs[0]}/pipeline`);
  print(`Watching the newest pipelines through the CircleCI client (log level ${config.logLevel}); Ctrl-C stops.`);

  const seen = new Map<string, string>();
  let watching = true;
  const watch = async () => {
    while (watching) {
      for (const slug of slugs) {
        try {
          for (const line of await changesIn(client, slug, seen)) print(line);
        } catch (error) {
          logger.warn({ err: error, slug }, "demo watch failed; retrying");
        }
      }
      await new Promise((resolve) => setTimeout(resolve, WATCH_EVERY_MS).unref());
    }
  };
  const watching$ = watch();

  return {
    async stop() {
      watching = false;
      await watching$;
      await client.close();
      await simulator.stop();
    },
  };
}

/** Lines for pipelines and workflow statuses not printed before (the newest few pipelines of a project). */
async function changesIn(client: CircleCIClient, slug: string, seen: Map<string, string>): Promise<string[]> {
  const lines: string[] = [];
  const pipelines = await newest(client.listPipelines(slug), WATCHED_PIPELINES);
  for (const pipeline of pipelines.reverse()) {
    if (!seen.has(pipeline.id)) {
      seen.set(pipeline.id, pipeline.state);
      lines.push(`${slug} pipeline #${pipeline.number} ${describe(pipeline)}: ${pipeline.state}`);
    }
    for await (const workflow of client.listWorkflows(pipeline.id)) {
      if (seen.get(workflow.id) !== workflow.status) {
        seen.set(workflow.id, workflow.status);
        lines.push(`${slug} pipeline #${pipeline.number} workflow ${workflow.name}: ${workflowStatus(workflow)}`);
      }
    }
  }
  return lines;
}

async function newest<T>(items: AsyncIterable<T>, count: number): Promise<T[]> {
  const taken: T[] = [];
  for await (const item of items) {
    taken.push(item);
    if (taken.length === count) break;
  }
  return taken;
}

function describe(pipeline: Pipeline): string {
  const ref = pipeline.vcs?.branch ?? (pipeline.vcs?.tag === undefined ? undefined : `tag ${pipeline.vcs.tag}`);
  return `(${ref ?? "no branch"}, ${pipeline.trigger.type} by ${pipeline.trigger.actor.login})`;
}

function workflowStatus(workflow: Workflow): string {
  return workflow.stopped_at ? `${workflow.status} at ${workflow.stopped_at}` : workflow.status;
}
