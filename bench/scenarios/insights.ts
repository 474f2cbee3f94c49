/**
 * Scenario 10: workflow insights over a 30-day window of every project in one request (`projects`, each with its
 * `workflowInsights`, as a dashboard over all of an organisation's projects asks). One
 * request on a fresh gateway over each history (1x and 10x: the same runs in the window, ten times the history
 * before it) counts its Redis round trips, which must grow with the runs in the window only; then the same request
 * under load, 16 clients, warm, the answer cache off (every request computes every project's insights).
 */
import type { GatewayRig } from "../gateway-rig.js";
import { countedRequest, HISTORY_10X_PREFIX, HISTORY_1X_PREFIX, projectSlugOf, withFreshServer } from "./history.js";
import type { Histories } from "./history.js";
import { measureWarm } from "./warm.js";
import type { WarmResult } from "./warm.js";

export interface InsightsResult {
  projects: number;
  windowDays: number;
  /** Pipelines inside the window over every project (the same at 1x and 10x). */
  pipelinesInWindow: number;
  /** Workflow insights in one answer (one per project and workflow name). */
  insights: number;
  /** Redis round trips of one request on an empty L1. */
  roundTrips1x: number;
  roundTrips10x: number;
  /** The request under load (answer cache off), over the 1x store. */
  warm: WarmResult;
}

/** Every configured project's insights over the default window (the 30 days before now). */
const INSIGHTS_BODY = JSON.stringify({
  query: `{
  projects {
    slug
    workflowInsights {
      workflowName totalRuns finishedRuns successfulRuns failedRuns successRate throughputPerDay mttrSeconds
      duration { min max mean median p95 }
    }
  }
}`,
});

export async function measureInsights(rig: GatewayRig, histories: Histories): Promise<InsightsResult> {
  const body = INSIGHTS_BODY;
  const projectSlugs = Array.from({ length: histories.projects }, (_, index) => projectSlugOf(index));
  const roundTrips10x = await withFreshServer(rig, HISTORY_10X_PREFIX, { projectSlugs }, async (server) => (await countedRequest(server, body)).roundTrips);
  return withFreshServer(rig, HISTORY_1X_PREFIX, { projectSlugs }, async (server) => {
    const first = await countedRequest(server, body);
    const warm = await measureWarm(rig, server, body);
    const projects = (first.data as { projects: { workflowInsights: unknown[] }[] }).projects;
    return {
      projects: histories.projects,
      windowDays: histories.windowDays,
      pipelinesInWindow: histories.pipelinesInWindow,
      insights: projects.reduce((sum, project) => sum + project.workflowInsights.length, 0),
      roundTrips1x: first.roundTrips,
      roundTrips10x,
      warm,
    };
  });
}
