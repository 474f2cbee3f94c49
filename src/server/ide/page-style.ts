/** The GraphiQL page's own layout: GraphiQL fills the window below the API key bar (shown only when keys are required). */
export const PAGE_CSS = `html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
#graphiql { flex: 1; min-height: 0; }
.api-key { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; padding: 0.4rem 0.75rem; font-size: 14px;
  background: #fff8e1; color: #3d3200; border-bottom: 1px solid #e0c97a; }
.api-key[hidden], .api-key [hidden] { display: none; }
.api-key input { font: inherit; padding: 0.15rem 0.4rem; min-width: 18rem; }
.api-key button { font: inherit; padding: 0.15rem 0.6rem; cursor: pointer; }
.api-key .status { opacity: 0.8; }
`;
