import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { contentHash, loadIdeAssets } from "./assets.js";
import type { IdeAsset } from "./assets.js";
import type { GraphqlIde } from "./ide-setting.js";
import { acceptsGzip, prefersHtml } from "./negotiation.js";
import { ASSETS_PATH, GRAPHIQL_CONTENT_SECURITY_POLICY, GRAPHIQL_PATH, graphiqlPage, ideOffText, sandboxPage } from "./pages.js";

export interface IdeOptions {
  /** What a browser GET of `graphqlPath` shows; `off` also turns `/graphiql` off. */
  ide: GraphqlIde;
  /** The GraphQL endpoint (HTTP and WebSocket) the IDE talks to, e.g. `/graphql`. */
  graphqlPath: string;
  /** Whether the endpoint wants `Authorization: Bearer <key>`: GraphiQL then asks for a key. */
  apiKeyRequired: boolean;
}

/**
 * A Node request handler in the connect style (`(request, response, next)`): mount it with `app.use` before
 * anything that asks for an API key, or call it from a plain `http` server with a `next` that answers 404.
 */
export type IdeRequestHandler = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;

/** Versioned assets never change under their name. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/** A pre-rendered page: its HTML, its ETag, and the headers that go with it. */
interface Page {
  body: Buffer;
  etag: string;
  headers: OutgoingHttpHeaders;
}

/**
 * The in-browser IDE: answers a browser GET of `graphqlPath` (one whose `Accept` prefers HTML; every other
 * request passes to `next`) with Apollo Sandbox, GraphiQL, or, when `ide` is `off`, a 406 that says how to
 * query; serves GraphiQL at `/graphiql` and its versioned assets under `/graphiql/assets/` unless `ide` is `off`.
 * None of it needs the API key: the pages and assets hold no data, and every query they send carries the key.
 * Reads GraphiQL's files once, here (throws `IdeAssetMissingError` when the install lacks them).
 */
export function createIdeRoutes(options: IdeOptions): IdeRequestHandler {
  const assets = options.ide === "off" ? undefined : loadIdeAssets();
  const graphiqlAt = (pagePath: string): Page | undefined =>
    assets === undefined
      ? undefined
      : page(graphiqlPage(assets, { pagePath, graphqlPath: options.graphqlPath, apiKeyRequired: options.apiKeyRequired }), {
          "content-security-policy": GRAPHIQL_CONTENT_SECURITY_POLICY,
        });
  const graphiql = graphiqlAt(GRAPHIQL_PATH);
  const endpointPage =
    options.ide === "graphiql" ? graphiqlAt(options.graphqlPath) : options.ide === "sandbox" ? page(sandboxPage({ pagePath: options.graphqlPath }), {}) : undefined;

  return (request, response, next) => {
    if (request.method !== "GET" && request.method !== "HEAD") return next();
    const [path = "/"] = (request.url ?? "/").split("?");
    if (path === options.graphqlPath) {
      if (!prefersHtml(request.headers.accept)) return next();
      if (endpointPage === undefined) return sendText(request, response, 406, ideOffText(endpointUrl(request, options.graphqlPath)));
      return sendPage(request, response, endpointPage);
    }
    if (path !== GRAPHIQL_PATH && !path.startsWith(`${GRAPHIQL_PATH}/`)) return next();
    if (assets === undefined || graphiql === undefined) return sendText(request, response, 404, "GraphiQL is off on this gateway (GRAPHQL_IDE=off).\n");
    if (path === GRAPHIQL_PATH) return sendPage(request, response, graphiql);
    // The page refers to its assets relative to `/graphiql`: with a trailing slash they would resolve elsewhere.
    if (path === `${GRAPHIQL_PATH}/`) return redirect(response, `../${GRAPHIQL_PATH.slice(1)}`);
    const asset = path.startsWith(`${ASSETS_PATH}/`) ? assets.byFileName(path.slice(ASSETS_PATH.length + 1)) : undefined;
    if (asset === undefined) return sendText(request, response, 404, `no such GraphiQL asset: ${path}\n`);
    sendAsset(request, response, asset).catch(next);
  };
}

function page(html: string, headers: OutgoingHttpHeaders): Page {
  const body = Buffer.from(html);
  return {
    body,
    etag: `"${contentHash(body)}"`,
    headers: {
      "content-type": "text/html; charset=utf-8",
      // The page names the current assets: a browser revalidates it (a 304 by its ETag) and gets new names after an upgrade.
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      ...headers,
    },
  };
}

function sendPage(request: IncomingMessage, response: ServerResponse, { body, etag, headers }: Page): void {
  if (request.headers["if-none-match"] === etag) {
    response.writeHead(304, { etag, "cache-control": headers["cache-control"] }).end();
    return;
  }
  end(request, response, 200, { ...headers, etag }, body);
}

async function sendAsset(request: IncomingMessage, response: ServerResponse, asset: IdeAsset): Promise<void> {
  const gzip = acceptsGzip(request.headers["accept-encoding"]);
  const body = gzip ? await asset.gzipped() : asset.body;
  end(
    request,
    response,
    200,
    {
      "content-type": asset.contentType,
      "cache-control": IMMUTABLE,
      "x-content-type-options": "nosniff",
      vary: "accept-encoding",
      ...(gzip ? { "content-encoding": "gzip" } : {}),
    },
    body,
  );
}

function sendText(request: IncomingMessage, response: ServerResponse, status: number, text: string): void {
  end(request, response, status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" }, Buffer.from(text));
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(301, { location, "cache-control": "no-store" }).end();
}

function end(request: IncomingMessage, response: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Buffer): void {
  response.writeHead(status, { ...headers, "content-length": body.length });
  response.end(request.method === "HEAD" ? undefined : body);
}

/** The endpoint's URL as this client reached it, for the copy-and-paste example (echoed into plain text only). */
function endpointUrl(request: IncomingMessage, graphqlPath: string): string {
  const scheme = request.headers["x-forwarded-proto"] === "https" ? "https" : "http";
  return `${scheme}://${request.headers.host ?? "localhost"}${graphqlPath}`;
}
