import type { Workflow } from "../circleci/index.js";

/** CircleCI's web app, where people look at pipelines (the API lives on another host). */
export const CIRCLECI_APP_ORIGIN = "https://app.circleci.com";

/** CircleCI's cloud API, where the gateway reads by default. */
const CIRCLECI_API_ORIGIN = "https://circleci.com";

/**
 * The app's origin for an API at `apiBaseUrl`: the cloud app for CircleCI's cloud API, else the API's own root, where
 * a self-hosted CircleCI Server serves its app.
 */
export function appOriginOf(apiBaseUrl: string): string {
  const origin = apiBaseUrl.replace(/\/+$/, "");
  return origin === CIRCLECI_API_ORIGIN ? CIRCLECI_APP_ORIGIN : origin;
}

/** The app spells the VCS out where the API abbreviates it: `gh/acme/api` is `github/acme/api` there. */
const APP_VCS_NAMES: Record<string, string> = { gh: "github", bb: "bitbucket" };

/** The page of a workflow run in the CircleCI app: `<origin>/pipelines/github/acme/api/123/workflows/<id>`. */
export function workflowAppUrl(workflow: Workflow, appOrigin: string = CIRCLECI_APP_ORIGIN): string {
  const [vcs = "", ...rest] = workflow.project_slug.split("/");
  const projectPath = [APP_VCS_NAMES[vcs] ?? vcs, ...rest].map(encodeURIComponent).join("/");
  const origin = appOrigin.replace(/\/+$/, "");
  return `${origin}/pipelines/${projectPath}/${workflow.pipeline_number}/workflows/${encodeURIComponent(workflow.id)}`;
}
