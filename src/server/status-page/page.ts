/**
 * The status page's HTML: the status board and the approvals inbox of every synced project, filled and kept live by
 * `client-script.ts` over the gateway's own GraphQL endpoint (HTTP for the answers and `approveJob`, WebSocket for
 * `boardChanged` and `approvalRequested`). Nothing comes from elsewhere, so it works without internet access.
 */
export const STATUS_PAGE_PATHS = ["/", "/status"] as const;
export const STATUS_SCRIPT_PATH = "/status/app.js";

/** The page's own script only; data from the same origin, over HTTP and WebSocket. */
export const STATUS_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// Colours meet WCAG AA against their backgrounds (4.5:1 or more for text).
const STYLE = `
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; background: #f6f8fa; }
body { margin: 0; }
header { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; justify-content: space-between; padding: .75rem 1rem; background: #24292f; color: #fff; }
header h1 { font-size: 1.15rem; margin: 0; }
header form { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
header label { font-size: .9rem; }
input, button { font: inherit; }
input { padding: .3rem .5rem; border: 1px solid #8c959f; border-radius: 4px; min-width: 12rem; max-width: 100%; }
button { padding: .3rem .75rem; border-radius: 4px; border: 1px solid #1f6feb; background: #0969da; color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: #0969da; }
:focus-visible { outline: 3px solid #bf8700; outline-offset: 2px; }
main { padding: 1rem; max-width: 75rem; margin: 0 auto; }
section { margin-bottom: 1.5rem; }
h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
th { font-size: .85rem; color: #424a53; }
.status { display: inline-block; padding: .1rem .45rem; border-radius: 999px; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; }
.status-SUCCESS { color: #116329; background: #dafbe1; }
.status-FAILED, .status-ERROR, .status-FAILING { color: #a40e26; background: #ffebe9; }
.status-RUNNING, .status-ON_HOLD { color: #6f4a00; background: #fff8c5; }
.status-CANCELED, .status-NOT_RUN, .status-UNAUTHORIZED { color: #424a53; background: #eaeef2; }
#notice { min-height: 1.2rem; margin: 0 0 1rem; }
#notice.error { color: #a40e26; }
ul.approvals { list-style: none; padding: 0; margin: 0; }
ul.approvals li { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem .75rem; margin-bottom: .5rem; }
.muted { color: #57606a; font-size: .9rem; }
@media (max-width: 40rem) {
  th.optional, td.optional { display: none; }
  main { padding: .5rem; }
}
`;

export function statusPageHtml(options: { graphqlPath: string; apiKeyRequired: boolean }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CircleCI status</title>
<style>${STYLE}</style>
</head>
<body data-graphql-path="${options.graphqlPath}" data-key-required="${String(options.apiKeyRequired)}">
<header>
  <h1>CircleCI status</h1>
  <form id="key-form">
    <label for="key">API key</label>
    <input id="key" name="key" type="password" autocomplete="off" placeholder="a gateway key (a write key can approve)">
    <button type="submit">Use key</button>
    <button type="button" class="secondary" id="forget-key">Forget</button>
  </form>
</header>
<main>
  <p id="notice" role="status" aria-live="polite"></p>
  <section aria-labelledby="approvals-title">
    <h2 id="approvals-title">Waiting for approval</h2>
    <ul class="approvals" id="approvals"></ul>
    <p class="muted" id="no-approvals" hidden>Nothing waits for an approval.</p>
  </section>
  <section aria-labelledby="board-title">
    <h2 id="board-title">Status board</h2>
    <div class="table-wrap">
      <table id="board">
        <caption class="muted" style="text-align:left">The newest run of each workflow on each project's default branch; updates live.</caption>
        <thead><tr><th scope="col">Project</th><th scope="col">Branch</th><th scope="col">Workflow</th><th scope="col">Latest</th><th scope="col" class="optional">Last finished</th><th scope="col" class="optional">Failing since</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
</main>
<script type="module" src="${STATUS_SCRIPT_PATH}"></script>
</body>
</html>
`;
}
