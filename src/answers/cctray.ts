import type { Workflow } from "../circleci/index.js";
import { CIRCLECI_APP_ORIGIN, workflowAppUrl } from "./app-url.js";
import type { BoardEntry } from "./board.js";
import { compareNames } from "./by-name.js";
import { workflowOutcome } from "./run-outcome.js";
import { endedAt, instantOf } from "./run-order.js";
import { xmlAttribute } from "./xml-attribute.js";

/** The attribute values of one `<Project>` in the CCTray feed (the format CCMenu, Nevergreen and CCTray read). */
export interface CcTrayProject {
  /** `<project slug> :: <workflow name>` */
  name: string;
  activity: "Building" | "Sleeping";
  lastBuildStatus: "Success" | "Failure" | "Exception" | "Unknown";
  /** The pipeline number of the run the status describes. */
  lastBuildLabel: string;
  /** ISO 8601, UTC. */
  lastBuildTime: string;
  webUrl: string;
}

/**
 * A board entry as a build monitor sees it. The run it reports is the newest finished one, or the newest
 * at all while none has finished: its pipeline number, when it ended (or, unfinished, was created) and its
 * page in the app.
 */
export function ccTrayProjectOf(entry: BoardEntry, appOrigin: string = CIRCLECI_APP_ORIGIN): CcTrayProject {
  const reported: Workflow = entry.lastFinished ?? entry.latest;
  return {
    name: `${entry.projectSlug} :: ${entry.workflowName}`,
    activity: workflowOutcome(entry.latest.status) === "live" ? "Building" : "Sleeping",
    lastBuildStatus: buildStatusOf(entry.lastFinished),
    lastBuildLabel: String(reported.pipeline_number),
    lastBuildTime: new Date(instantOf(entry.lastFinished === null ? reported.created_at : endedAt(reported))).toISOString(),
    webUrl: workflowAppUrl(reported, appOrigin),
  };
}

function buildStatusOf(lastFinished: Workflow | null): CcTrayProject["lastBuildStatus"] {
  if (lastFinished === null) return "Unknown";
  const outcome = workflowOutcome(lastFinished.status);
  if (outcome === "success") return "Success";
  return outcome === "failed" ? "Failure" : "Exception";
}

const ATTRIBUTES = ["name", "activity", "lastBuildStatus", "lastBuildLabel", "lastBuildTime", "webUrl"] as const;

/** The CCTray XML document for these board entries, one `<Project>` each, by name. */
export function ccTrayXml(entries: readonly BoardEntry[], appOrigin: string = CIRCLECI_APP_ORIGIN): string {
  const projects = entries.map((entry) => ccTrayProjectOf(entry, appOrigin)).sort((a, b) => compareNames(a.name, b.name));
  const lines = projects.map(
    (project) => `  <Project ${ATTRIBUTES.map((attribute) => `${attribute}="${xmlAttribute(project[attribute])}"`).join(" ")}/>`,
  );
  return ['<?xml version="1.0" encoding="UTF-8"?>', "<Projects>", ...lines, "</Projects>", ""].join("\n");
}
