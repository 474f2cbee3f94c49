/**
 * Scenario 1d: the warm dashboard with the answer cache on while its project keeps changing: every second the
 * writer commits a new version of one workflow the dashboard shows (a different one each time), as the sync would
 * when a status moves. Each write evicts the cached answer, so the figure is what a dashboard that is really
 * watched gets: most requests answered from memory, one execution per change per answer in flight.
 */
import type { Workflow } from "../../src/circleci/index.js";
import type { GatewayRig } from "../gateway-rig.js";
import type { ServerProcess } from "../server-process.js";
import { measureWarm } from "./warm.js";
import type { WarmResult } from "./warm.js";

export interface ChangingResult extends WarmResult {
  /** Writes made during the measurement, one a second. */
  changes: number;
  changeSeconds: number;
}

const CHANGE_EVERY_MS = 1000;

export async function measureChanging(rig: GatewayRig, server: ServerProcess): Promise<ChangingResult> {
  const workflows = await dashboardWorkflows(rig);
  if (workflows.length === 0) throw new Error("the dashboard shows no workflow to change");
  let changes = 0;
  const startedAt = Date.now();
  const change = async (): Promise<void> => {
    const workflow = workflows[changes % workflows.length] as Workflow;
    changes += 1;
    // A new name on every change, so each write is a real change the writer announces.
    await commitWorkflows(rig, [{ ...workflow, name: `${workflow.name} #${changes}` }]);
  };
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(change, () => undefined);
  }, CHANGE_EVERY_MS);
  try {
    const result = await measureWarm(rig, server);
    return { ...result, changes, changeSeconds: (Date.now() - startedAt) / 1000 };
  } finally {
    clearInterval(timer);
    await pending;
    await commitWorkflows(rig, workflows);
  }
}

function commitWorkflows(rig: GatewayRig, workflows: readonly Workflow[]): Promise<unknown> {
  return rig.writer.forSync(undefined).commitPipelineTrees({
    projectSlug: rig.slug,
    pipelines: [],
    workflows,
    jobLists: new Map(),
    jobRecords: [],
    active: { add: [], remove: [] },
    announce: true,
  });
}

/** The workflows of the pipelines the dashboard lists, from the store the sync filled. */
async function dashboardWorkflows(rig: GatewayRig): Promise<Workflow[]> {
  const { ids } = await rig.store.listPipelineIds(rig.slug, { first: rig.variables.first });
  return (await rig.store.getWorkflowsOf(ids)).flatMap((workflows) => workflows ?? []);
}
