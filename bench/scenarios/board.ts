/**
 * Scenario 8: the status board of many projects. One board request on a fresh gateway over each history (1x and
 * 10x) counts its Redis round trips, which must not grow with history; then the board of every branch of every
 * project under load, 16 clients, warm, the answer cache off.
 */
import type { GatewayRig } from "../gateway-rig.js";
import { countedRequest, HISTORY_10X_PREFIX, HISTORY_1X_PREFIX, withFreshServer } from "./history.js";
import type { Histories } from "./history.js";
import { measureWarm } from "./warm.js";
import type { WarmResult } from "./warm.js";

export interface BoardResult {
  projects: number;
  branchesPerProject: number;
  /** Board entries in one answer. */
  entries: number;
  pipelines1x: number;
  pipelines10x: number;
  /** Redis round trips of one board request on an empty L1. */
  roundTrips1x: number;
  roundTrips10x: number;
  /** The board under load (answer cache off), over the 1x store. */
  warm: WarmResult;
}

const BOARD_QUERY = `{
  statusBoard(allBranches: true) {
    projectSlug branch workflowName
    latest { id status pipelineNumber createdAt }
    lastFinished { id status stoppedAt }
    lastSuccessAt failingSince
  }
}`;
export const BOARD_BODY = JSON.stringify({ query: BOARD_QUERY });

export async function measureBoard(rig: GatewayRig, histories: Histories): Promise<BoardResult> {
  const roundTrips10x = await withFreshServer(rig, HISTORY_10X_PREFIX, {}, async (server) => (await countedRequest(server, BOARD_BODY)).roundTrips);
  return withFreshServer(rig, HISTORY_1X_PREFIX, {}, async (server) => {
    const first = await countedRequest(server, BOARD_BODY);
    const warm = await measureWarm(rig, server, BOARD_BODY);
    return {
      projects: histories.projects,
      branchesPerProject: histories.branchesPerProject,
      entries: (first.data as { statusBoard: unknown[] }).statusBoard.length,
      pipelines1x: histories.pipelines1x,
      pipelines10x: histories.pipelines10x,
      roundTrips1x: first.roundTrips,
      roundTrips10x,
      warm,
    };
  });
}
