/** What a browser sees when it opens a GraphQL endpoint: a page that talks to the endpoint, e.g. an IDE. */
export interface LandingPage {
  /** The page's HTML for the endpoint at `path` (e.g. `/graphql`), requested from that same URL. */
  html(endpoint: { path: string }): string;
}

/** The embeddable Sandbox this page loads, from Apollo's CDN (major version 2). */
const SANDBOX_SCRIPT = "https://embeddable-sandbox.cdn.apollographql.com/v2/embeddable-sandbox.umd.production.min.js";

/**
 * Apollo Sandbox. The page is a small HTML shell that loads Sandbox's JavaScript from Apollo's CDN: on a machine
 * without internet it shows that Sandbox cannot be loaded, while the endpoint itself keeps working. Cookies stay
 * out: the gateway authenticates with a bearer key, never with a browser session.
 */
export function apolloSandbox(): LandingPage {
  const config = JSON.stringify({ target: "#embeddableSandbox", initialState: { includeCookies: false }, hideCookieToggle: false, endpointIsEditable: false });
  return {
    html: () => `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width,initial-scale=1" />
    <title>circleci-gateway: Apollo Sandbox</title>
    <style>
      body { margin: 0; overflow: hidden; font-family: sans-serif; }
      .fallback { padding: 1em; }
      #embeddableSandbox { width: 100vw; height: 100vh; position: absolute; top: 0; }
    </style>
  </head>
  <body>
    <div class="fallback">
      <h1>circleci-gateway</h1>
      <p>Apollo Sandbox cannot be loaded: its JavaScript comes from Apollo's CDN, and this browser cannot reach it. The GraphQL endpoint works without it.</p>
    </div>
    <div id="embeddableSandbox"></div>
    <script src="${SANDBOX_SCRIPT}"></script>
    <script>
      new window.EmbeddedSandbox({ ...${config}, initialEndpoint: window.location.href.split("?")[0] });
    </script>
  </body>
</html>
`,
  };
}

/**
 * Whether a GET asks for a page rather than a GraphQL answer: `text/html` is accepted with a higher quality than
 * JSON, or as high but named more precisely (`text/html` rather than the wildcard). A bare wildcard (curl's) gets JSON.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const entries = accept.split(",").map(parseMediaRange);
  const html = preference(entries, "text", "html");
  const json = preference(entries, "application", "json");
  return html.quality > 0 && (html.quality > json.quality || (html.quality === json.quality && html.specificity > json.specificity));
}

interface MediaRange {
  type: string;
  subtype: string;
  quality: number;
}

function parseMediaRange(entry: string): MediaRange {
  const [range = "", ...parameters] = entry.split(";").map((part) => part.trim().toLowerCase());
  const [type = "", subtype = ""] = range.split("/");
  const q = parameters.find((parameter) => parameter.startsWith("q="));
  const quality = q === undefined ? 1 : Number(q.slice(2));
  return { type, subtype, quality: Number.isFinite(quality) ? quality : 0 };
}

/** The quality the most specific matching range gives `type/subtype`, and how specific that range is (0 to 2). */
function preference(entries: readonly MediaRange[], type: string, subtype: string): { quality: number; specificity: number } {
  let best = { quality: 0, specificity: -1 };
  for (const entry of entries) {
    const specificity = entry.type === type && entry.subtype === subtype ? 2 : entry.type === type && entry.subtype === "*" ? 1 : entry.type === "*" ? 0 : -1;
    if (specificity > best.specificity) best = { quality: entry.quality, specificity };
  }
  return best;
}
