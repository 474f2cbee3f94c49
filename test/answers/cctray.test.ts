import { DOMParser } from "@xmldom/xmldom";
import type { Attr, Element } from "@xmldom/xmldom";
import { describe, expect, it } from "vitest";
import { boardOf, ccTrayXml, workflowAppUrl } from "../../src/answers/index.js";
import type { BoardEntry } from "../../src/answers/index.js";
import type { Workflow } from "../../src/circleci/index.js";
import { workflow } from "./runs.js";

/**
 * The feed is read back with a real XML parser (an error stops the parse; warnings are returned), then
 * checked attribute by attribute against the CCTray format: a `<Projects>` root holding `<Project>`
 * elements with `name`, `activity` (Sleeping, Building, CheckingModifications), `lastBuildStatus`
 * (Success, Failure, Exception, Unknown), `lastBuildLabel`, `lastBuildTime` (a date-time) and `webUrl`.
 */
function parseFeed(xml: string): { projects: Record<string, string>[]; warnings: string[] } {
  const warnings: string[] = [];
  const parser = new DOMParser({
    onError: (level, message) => {
      if (level !== "warning") throw new Error(`${level}: ${message}`);
      warnings.push(message);
    },
  });
  const root = parser.parseFromString(xml, "text/xml").documentElement;
  expect(root?.nodeName).toBe("Projects");
  const elements = Array.from(root?.childNodes ?? []).filter((node) => node.nodeType === node.ELEMENT_NODE);
  const projects = elements.map((node) => {
    expect(node.nodeName).toBe("Project");
    const { attributes } = node as Element;
    return Object.fromEntries(Array.from({ length: attributes.length }, (_, index) => attributes.item(index) as Attr).map((attribute) => [attribute.name, attribute.value]));
  });
  return { projects, warnings };
}

const ACTIVITIES = ["Sleeping", "Building", "CheckingModifications"];
const STATUSES = ["Success", "Failure", "Exception", "Unknown"];

function entriesOf(projectSlug: string, runs: Workflow[]): BoardEntry[] {
  return boardOf({ projectSlug, branch: "main" }, runs);
}

describe("the CCTray feed", () => {
  it("reports each project and workflow name with its activity, last status, label, time and app page", () => {
    const slug = "gh/acme/api";
    const passed = workflow({ name: "build-test", status: "success", createdAt: "10:00:00", stoppedAt: "2024-03-01T10:07:30.250Z", pipelineNumber: 41 });
    const building = workflow({ name: "build-test", status: "running", createdAt: "11:00:00", pipelineNumber: 42 });
    const failed = workflow({ name: "deploy", status: "error", createdAt: "09:00:00", stoppedAt: "09:00:01", pipelineNumber: 40 });
    const canceled = workflow({ name: "lint", status: "canceled", createdAt: "09:30:00", stoppedAt: "09:31:00", pipelineNumber: 40 });
    const waiting = workflow({ name: "release", status: "on_hold", createdAt: "08:00:00", pipelineNumber: 39 });
    const entries = [
      ...entriesOf(slug, [passed, building, failed, canceled, waiting]),
      ...entriesOf("bb/globex/web", [workflow({ name: "build-test", status: "failed", createdAt: "07:00:00", stoppedAt: "07:03:00", pipelineNumber: 5, projectSlug: "bb/globex/web" })]),
    ];
    const { projects, warnings } = parseFeed(ccTrayXml(entries));
    expect(warnings).toEqual([]);
    expect(projects).toEqual([
      {
        name: "bb/globex/web :: build-test",
        activity: "Sleeping",
        lastBuildStatus: "Failure",
        lastBuildLabel: "5",
        lastBuildTime: "2024-03-01T07:03:00.000Z",
        webUrl: `https://app.circleci.com/pipelines/bitbucket/globex/web/5/workflows/${entries[4]?.latest.id}`,
      },
      {
        name: "gh/acme/api :: build-test",
        activity: "Building",
        lastBuildStatus: "Success",
        lastBuildLabel: "41",
        lastBuildTime: "2024-03-01T10:07:30.250Z",
        webUrl: `https://app.circleci.com/pipelines/github/acme/api/41/workflows/${passed.id}`,
      },
      {
        name: "gh/acme/api :: deploy",
        activity: "Sleeping",
        lastBuildStatus: "Failure",
        lastBuildLabel: "40",
        lastBuildTime: "2024-03-01T09:00:01.000Z",
        webUrl: `https://app.circleci.com/pipelines/github/acme/api/40/workflows/${failed.id}`,
      },
      {
        name: "gh/acme/api :: lint",
        activity: "Sleeping",
        lastBuildStatus: "Exception",
        lastBuildLabel: "40",
        lastBuildTime: "2024-03-01T09:31:00.000Z",
        webUrl: `https://app.circleci.com/pipelines/github/acme/api/40/workflows/${canceled.id}`,
      },
      {
        // Nothing finished yet: the status is unknown and the rest describes the run that is waiting.
        name: "gh/acme/api :: release",
        activity: "Building",
        lastBuildStatus: "Unknown",
        lastBuildLabel: "39",
        lastBuildTime: "2024-03-01T08:00:00.000Z",
        webUrl: `https://app.circleci.com/pipelines/github/acme/api/39/workflows/${waiting.id}`,
      },
    ]);
    for (const project of projects) {
      expect(Object.keys(project).sort()).toEqual(["activity", "lastBuildLabel", "lastBuildStatus", "lastBuildTime", "name", "webUrl"]);
      expect(ACTIVITIES).toContain(project.activity);
      expect(STATUSES).toContain(project.lastBuildStatus);
      expect(new Date(project.lastBuildTime as string).toISOString()).toBe(project.lastBuildTime);
    }
  });

  it("escapes what names may hold and replaces what XML cannot hold", () => {
    const name = `deploy & "verify" <prod> it's\tdone\nnow\u0001\ud800`;
    const run = workflow({ name, status: "success", createdAt: "10:00:00", stoppedAt: "10:01:00" });
    const xml = ccTrayXml(entriesOf("gh/acme/api", [run]));
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Projects>')).toBe(true);
    const { projects, warnings } = parseFeed(xml);
    // The parser notes U+FFFD as a possible encoding slip; here it is on purpose.
    expect(warnings).toEqual([expect.stringMatching(/replacement character/i)]);
    const [project] = projects;
    expect(project?.name).toBe(`gh/acme/api :: deploy & "verify" <prod> it's\tdone\nnow\ufffd\ufffd`);
  });

  it("is an empty <Projects> without entries", () => {
    expect(parseFeed(ccTrayXml([]))).toEqual({ projects: [], warnings: [] });
  });

  it("links to the app with the VCS spelled out, GitHub App slugs as they are, on another origin when asked", () => {
    const run = (projectSlug: string) => workflow({ status: "success", createdAt: "10:00:00", stoppedAt: "10:01:00", pipelineNumber: 7, projectSlug, id: "5034460f-c7c4-4c43-9457-de07e2029e7b" });
    expect(workflowAppUrl(run("gh/acme/api"))).toBe("https://app.circleci.com/pipelines/github/acme/api/7/workflows/5034460f-c7c4-4c43-9457-de07e2029e7b");
    expect(workflowAppUrl(run("bb/acme/api"))).toBe("https://app.circleci.com/pipelines/bitbucket/acme/api/7/workflows/5034460f-c7c4-4c43-9457-de07e2029e7b");
    expect(workflowAppUrl(run("circleci/43G3kM5RtfFE7v5sa4nWAU/44n9pujWcTnVZ2b5S8Fnat"))).toBe(
      "https://app.circleci.com/pipelines/circleci/43G3kM5RtfFE7v5sa4nWAU/44n9pujWcTnVZ2b5S8Fnat/7/workflows/5034460f-c7c4-4c43-9457-de07e2029e7b",
    );
    expect(workflowAppUrl(run("gh/acme/api"), "https://circleci.example.com/")).toBe(
      "https://circleci.example.com/pipelines/github/acme/api/7/workflows/5034460f-c7c4-4c43-9457-de07e2029e7b",
    );
  });
});
