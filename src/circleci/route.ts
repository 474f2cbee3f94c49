/**
 * Where a request goes and what it is called. The name is the method and route template
 * (`GET /project/{slug}/pipeline`): it labels stats, `onRequest` events and errors, and keeps ids
 * out of metric labels. v2 routes are named relative to `/api/v2`; v1.1 routes carry their prefix.
 */

export type ApiVersion = "v2" | "v1.1";

/** What a 404 on this route means: a project that is missing or hidden, or some other resource. */
export type Missing = { kind: "project"; slug: string } | { kind: "resource"; description: string };

export function missingProject(slug: string): Missing {
  return { kind: "project", slug };
}

/** `description` names what was looked for, e.g. `workflow 5034460f-…`. */
export function missingResource(description: string): Missing {
  return { kind: "resource", description };
}

/** What a write does, in words, for the error that says its outcome is unknown. */
export interface Action {
  /** e.g. `trigger a pipeline in gh/acme/api` */
  does: string;
  /** Where in CircleCI to look whether it happened, e.g. `the newest pipelines of gh/acme/api`. */
  check: string;
}

export interface Route {
  method: "GET" | "POST";
  endpoint: string;
  /** Encoded path and query string, relative to the base URL's path. */
  path: string;
  missing: Missing;
}

/** A request that changes something in CircleCI: sent at most once once it may have arrived. */
export interface WriteRoute extends Route {
  method: "POST";
  action: Action;
}

export type Query = Record<string, string | undefined>;

/**
 * Project slugs keep their slashes raw (`gh/org/repo`), as clients in the wild send them; every
 * segment is encoded on its own, so a `#` or space in a name cannot change the route.
 */
function encodeParam(name: string, value: string | number): string {
  const text = String(value);
  return name === "slug" ? text.split("/").map(encodeURIComponent).join("/") : encodeURIComponent(text);
}

function encodeQuery(query: Query): string {
  const pairs = Object.entries(query).flatMap(([key, value]) =>
    value === undefined ? [] : [`${encodeURIComponent(key)}=${encodeURIComponent(value)}`],
  );
  return pairs.length === 0 ? "" : `?${pairs.join("&")}`;
}

export function route(
  version: ApiVersion,
  template: string,
  params: Record<string, string | number>,
  missing: Missing,
  query: Query = {},
): Route {
  const endpoint = version === "v2" ? `GET ${template}` : `GET /api/v1.1${template}`;
  return { method: "GET", endpoint, path: `/api/${version}${filled(template, params)}${encodeQuery(query)}`, missing };
}

/** A v2 write (every CircleCI write this client makes is a v2 POST). */
export function writeRoute(template: string, params: Record<string, string | number>, missing: Missing, action: Action): WriteRoute {
  return { method: "POST", endpoint: `POST ${template}`, path: `/api/v2${filled(template, params)}`, missing, action };
}

function filled(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`route ${template}: no value for {${name}}`);
    return encodeParam(name, value);
  });
}

/** The resource a route reads, in words: `pipeline 5034…`, `project gh/acme/api`. */
export function recordOf(route: Route): string {
  return route.missing.kind === "project" ? `project ${route.missing.slug}` : route.missing.description;
}

const V1_VCS_NAMES: Record<string, string> = { gh: "github", bb: "bitbucket" };

/**
 * v1.1 wants `:vcs-type/:org/:repo`: `gh`/`bb` become `github`/`bitbucket`; `github/…`,
 * `bitbucket/…` and `circleci/<org-id>/<project-id>` slugs are sent as they are.
 */
export function v1ProjectParams(slug: string): { vcs: string; org: string; repo: string } {
  const [vcs = "", org = "", ...repo] = slug.split("/");
  return { vcs: V1_VCS_NAMES[vcs] ?? vcs, org, repo: repo.join("/") };
}
