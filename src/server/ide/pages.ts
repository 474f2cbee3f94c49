import { posix } from "node:path";
import type { IdeAsset, IdeAssets } from "./assets.js";
import { PAGE_ELEMENT_IDS } from "./boot.js";

/** Where GraphiQL's page and its assets are served. */
export const GRAPHIQL_PATH = "/graphiql";
export const ASSETS_PATH = `${GRAPHIQL_PATH}/assets`;

/** Apollo's embeddable Sandbox, which Apollo serves from its CDN only. */
export const SANDBOX_SCRIPT_URL = "https://embeddable-sandbox.cdn.apollographql.com/_latest/embeddable-sandbox.umd.production.min.js";

/**
 * What the GraphiQL page may load and connect to: only this origin (the WebSocket included: `'self'` covers
 * ws:// and wss:// on the same host). Styles may be inline because GraphiQL's components set them; fonts and
 * icons are data URIs inside its stylesheet.
 */
export const GRAPHIQL_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export interface GraphiQLPageOptions {
  /** The path this page is served at: the page refers to its assets and the endpoint relative to it, so it works behind a path prefix. */
  pagePath: string;
  /** The GraphQL endpoint's path (HTTP and WebSocket). */
  graphqlPath: string;
  /** Whether the gateway wants an API key: the page then shows a field for it. */
  apiKeyRequired: boolean;
}

/** GraphiQL's HTML shell: the stylesheets, the deferred scripts in order, the key bar and GraphiQL's container. */
export function graphiqlPage(assets: IdeAssets, options: GraphiQLPageOptions): string {
  const href = (asset: IdeAsset) => escapeHtml(relativeUrl(options.pagePath, `${ASSETS_PATH}/${asset.fileName}`));
  const ids = PAGE_ELEMENT_IDS;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL · circleci-gateway</title>
<link rel="icon" href="data:,">
${assets.styles.map((asset) => `<link rel="stylesheet" href="${href(asset)}">`).join("\n")}
${assets.scripts.map((asset) => `<script defer src="${href(asset)}"></script>`).join("\n")}
</head>
<body>
<form class="api-key" id="${ids.keyForm}" autocomplete="off"${options.apiKeyRequired ? "" : " hidden"}>
<label for="${ids.keyInput}">API key</label>
<input id="${ids.keyInput}" type="password" placeholder="one of the gateway's GATEWAY_API_KEYS" spellcheck="false">
<button type="submit">Use key</button>
<button type="button" id="${ids.keyForget}" hidden>Forget key</button>
<span class="status" id="${ids.keyStatus}"></span>
</form>
<div id="${ids.graphiql}" data-endpoint="${escapeHtml(relativeUrl(options.pagePath, options.graphqlPath))}">Loading GraphiQL…</div>
</body>
</html>
`;
}

/**
 * Apollo Sandbox, embedded from Apollo's CDN, pointed at the URL the page was loaded from. Cookies stay out: the
 * gateway authenticates with a bearer key, never with a browser session. While the CDN cannot be reached, the
 * page says so and links the GraphiQL page, which the gateway serves itself.
 */
export function sandboxPage(options: { pagePath: string }): string {
  const graphiql = escapeHtml(relativeUrl(options.pagePath, GRAPHIQL_PATH));
  const config = { target: "#embeddable-sandbox", initialState: { includeCookies: false }, endpointIsEditable: false, runTelemetry: false };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Apollo Sandbox · circleci-gateway</title>
<link rel="icon" href="data:,">
<style>
  body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
  .fallback { max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; }
  #embeddable-sandbox { position: absolute; inset: 0; }
  /* Until Sandbox has put its frame in, the note below must stay clickable. */
  #embeddable-sandbox:empty { display: none; }
  #embeddable-sandbox iframe { width: 100%; height: 100%; border: none; background: white; }
</style>
</head>
<body>
<div class="fallback">
<h1>Apollo Sandbox cannot be loaded</h1>
<p>Sandbox's JavaScript comes from Apollo's CDN, and this browser could not load it: it may be offline, or the CDN is blocked here.</p>
<p>GraphiQL works offline: the gateway serves it itself. <a href="${graphiql}">Open GraphiQL</a>, or set <code>GRAPHQL_IDE=graphiql</code> to show it at this address.</p>
</div>
<div id="embeddable-sandbox"></div>
<script src="${SANDBOX_SCRIPT_URL}"></script>
<script>
  if (window.EmbeddedSandbox) new window.EmbeddedSandbox(Object.assign(${JSON.stringify(config)}, { initialEndpoint: window.location.href }));
</script>
</body>
</html>
`;
}

/** The answer to a browser GET of the endpoint when the IDE is off: how to query it instead. */
export function ideOffText(endpointUrl: string): string {
  return `This is circleci-gateway's GraphQL endpoint. Its in-browser IDE is off (GRAPHQL_IDE=off).
Query it with a JSON POST, e.g.
  curl ${endpointUrl} -H 'content-type: application/json' -d '{"query":"{ __typename }"}'
Subscriptions: a WebSocket to the same URL, subprotocol graphql-transport-ws.
`;
}

/** `target` as a URL relative to the page at `pagePath`: `/graphiql/assets/x.js` from `/graphql` is `graphiql/assets/x.js`. */
export function relativeUrl(pagePath: string, target: string): string {
  const relative = posix.relative(posix.dirname(pagePath), target);
  return relative === "" ? "." : relative;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
