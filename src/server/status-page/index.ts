import type { IncomingMessage, ServerResponse } from "node:http";
import { STATUS_SCRIPT } from "./client-script.js";
import { STATUS_CONTENT_SECURITY_POLICY, STATUS_PAGE_PATHS, STATUS_SCRIPT_PATH, statusPageHtml } from "./page.js";

export { STATUS_PAGE_PATHS } from "./page.js";

/**
 * `GET /` and `GET /status`: the live status page; `GET /status/app.js`: its script. Neither holds data, so neither
 * needs the API key (a browser could not send it for them); the page's own requests carry the key the viewer enters.
 * Every other request passes to `next`.
 */
export function createStatusPageRoutes(options: { graphqlPath: string; apiKeyRequired: boolean }) {
  const html = Buffer.from(statusPageHtml(options));
  const script = Buffer.from(STATUS_SCRIPT);
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    const method = request.method ?? "GET";
    if (method !== "GET" && method !== "HEAD") return next();
    const served = (STATUS_PAGE_PATHS as readonly string[]).includes(path)
      ? { body: html, type: "text/html; charset=utf-8" }
      : path === STATUS_SCRIPT_PATH
        ? { body: script, type: "text/javascript; charset=utf-8" }
        : undefined;
    if (served === undefined) return next();
    response.writeHead(200, {
      "content-type": served.type,
      "content-length": served.body.length,
      "cache-control": "no-cache",
      "content-security-policy": STATUS_CONTENT_SECURITY_POLICY,
      "x-content-type-options": "nosniff",
    });
    response.end(method === "HEAD" ? undefined : served.body);
  };
}
