import type { IncomingHttpHeaders } from "node:http";

/** A complete answer, before any fault mangles its delivery. */
export interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export function jsonReply(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return { status, contentType: "application/json", body: JSON.stringify(value), ...(headers && { headers }) };
}

/** CircleCI's error shape: a single `message` field (API.md §1). */
export function errorReply(status: number, message: string, headers?: Record<string, string>): Reply {
  return jsonReply(status, { message }, headers);
}

export interface RouteRequest {
  /** The endpoint name, e.g. `GET /project/{slug}/pipeline`. */
  endpoint: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The JSON body of a POST, `undefined` when it sent none; always `undefined` for a GET. */
  body: unknown;
}

export type RouteMethod = "GET" | "POST";

export interface Route<Context> {
  /** The route template as endpoints are named, e.g. `/project/{slug}` or `v1.1 /output`. */
  label: string;
  method: RouteMethod;
  /** Whether the route needs a token (presigned output URLs do not). */
  authenticated: boolean;
  /** Whether the route changes the world: tokens without write access get 403. */
  writes: boolean;
  handle(request: RouteRequest, context: Context): Reply;
  readonly pattern: RegExp;
  readonly paramNames: string[];
}

/**
 * `{slug}` spans exactly three path segments (`gh/org/repo`, `circleci/<id>/<id>`), so a slug sent
 * with raw slashes routes as well as a `%2F`-encoded one; every other `{param}` is one segment.
 */
export function defineRoute<Context>(
  label: string,
  pathTemplate: string,
  handle: Route<Context>["handle"],
  options: { authenticated?: boolean; method?: RouteMethod } = {},
): Route<Context> {
  const paramNames: string[] = [];
  const source = pathTemplate.replace(/\{(\w+)\}/g, (_, name: string) => {
    paramNames.push(name);
    return name === "slug" ? "([^/]+/[^/]+/[^/]+)" : "([^/]+)";
  });
  const method = options.method ?? "GET";
  return {
    label,
    method,
    authenticated: options.authenticated ?? true,
    writes: method !== "GET",
    handle,
    pattern: new RegExp(`^${source}$`),
    paramNames,
  };
}

export interface RouteMatch<Context> {
  route: Route<Context>;
  params: Record<string, string>;
  /** False when the path is a route's but the method is not: the answer is then 405. */
  methodAllowed: boolean;
}

/**
 * Matches a raw (still percent-encoded) path; `%2F` inside a segment counts as a slash. A route of the
 * request's method wins; failing that, the first route of the path is returned, marked not allowed.
 */
export function matchRoute<Context>(routes: readonly Route<Context>[], method: string, rawPath: string): RouteMatch<Context> | undefined {
  const path = decodePath(rawPath);
  if (path === undefined) return undefined;
  let wrongMethod: RouteMatch<Context> | undefined;
  for (const route of routes) {
    const found = route.pattern.exec(path);
    if (!found) continue;
    const params = Object.fromEntries(route.paramNames.map((name, i) => [name, found[i + 1] ?? ""]));
    if (route.method === method) return { route, params, methodAllowed: true };
    wrongMethod ??= { route, params, methodAllowed: false };
  }
  return wrongMethod;
}

function decodePath(rawPath: string): string | undefined {
  try {
    return rawPath.split("/").map(decodeURIComponent).join("/");
  } catch {
    return undefined;
  }
}
