/**
 * The GraphiQL page's own script. It runs in the browser, not in Node: `bootScript` serializes `bootGraphiQL`'s
 * source into a static asset, so the function may use nothing from this module's scope (no imports, no
 * constants outside it), only what it is handed: `operationTypeOf` (serialized beside it), the element ids, and
 * the browser's `window` once the vendor bundles (React, ReactDOM, GraphiQL, graphql-ws) have set their globals.
 * The types below are the few browser APIs it touches, written out because the project compiles for Node,
 * without the DOM's types.
 */

import { operationTypeOf } from "./operation-type.js";

/** The ids of the page's elements the script drives; `graphiqlPage` renders them. */
export const PAGE_ELEMENT_IDS = {
  graphiql: "graphiql",
  keyForm: "api-key-form",
  keyInput: "api-key-input",
  keyForget: "api-key-forget",
  keyStatus: "api-key-status",
} as const;

interface GraphQLParams {
  query: string;
  operationName?: string | null;
  variables?: unknown;
}

interface FetcherOptions {
  /** The header editor's contents, parsed. */
  headers?: Record<string, unknown>;
}

interface WebSocketClient {
  iterate(request: GraphQLParams): AsyncIterable<unknown>;
}

interface PageElement {
  dataset: Record<string, string | undefined>;
  hidden: boolean;
  textContent: string | null;
  value: string;
  addEventListener(type: string, listener: (event: { preventDefault(): void }) => void): void;
}

export interface BootWindow {
  readonly React: { createElement(type: unknown, props: Record<string, unknown>): unknown };
  readonly ReactDOM: { createRoot(container: PageElement): { render(element: unknown): void } };
  readonly GraphiQL: unknown;
  readonly graphqlWs: {
    createClient(options: { url: string; connectionParams: Record<string, string> }): WebSocketClient;
  };
  readonly document: { getElementById(id: string): PageElement | null };
  readonly location: { href: string };
  readonly sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void };
  fetch(url: string, init: { method: string; headers: Record<string, string>; body: string }): Promise<{ json(): Promise<unknown> }>;
}

/**
 * Mounts GraphiQL on `#graphiql` with a fetcher for the gateway: queries and mutations as a JSON POST to the
 * endpoint, subscriptions over graphql-ws on the same URL. The API key, when the page asks for one, is kept in
 * this tab's sessionStorage and sent as `Authorization: Bearer <key>` (HTTP) and in `connection_init`
 * (WebSocket); an `Authorization` typed into GraphiQL's header editor wins over it.
 */
export function bootGraphiQL(window: BootWindow, ids: typeof PAGE_ELEMENT_IDS, operationType: typeof operationTypeOf): void {
  const storageKey = "circleci-gateway:api-key";
  const container = window.document.getElementById(ids.graphiql);
  if (container === null) return;
  const keyForm = window.document.getElementById(ids.keyForm);
  const keyInput = window.document.getElementById(ids.keyInput);
  const keyForget = window.document.getElementById(ids.keyForget);
  const keyStatus = window.document.getElementById(ids.keyStatus);
  const endpoint = new URL(container.dataset.endpoint ?? "graphql", window.location.href).href;
  const webSocketUrl = endpoint.replace(/^http/, "ws");
  const root = window.ReactDOM.createRoot(container);

  function headerNamed(headers: Record<string, string>, name: string): string | undefined {
    return Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  }

  /** One WebSocket client per `Authorization` value: the key goes in `connection_init`, once per connection. */
  function createFetcher(apiKey: string | null) {
    const clients = new Map<string, WebSocketClient>();
    return (params: GraphQLParams, options?: FetcherOptions) => {
      const headers = Object.fromEntries(Object.entries(options?.headers ?? {}).map(([name, value]) => [name, String(value)]));
      const authorization = headerNamed(headers, "authorization") ?? (apiKey === null ? undefined : `Bearer ${apiKey}`);
      if (operationType(params.query, params.operationName) === "subscription") {
        const clientKey = authorization ?? "";
        let client = clients.get(clientKey);
        if (client === undefined) {
          client = window.graphqlWs.createClient({
            url: webSocketUrl,
            connectionParams: authorization === undefined ? {} : { Authorization: authorization },
          });
          clients.set(clientKey, client);
        }
        return client.iterate(params);
      }
      const requestHeaders: Record<string, string> = { ...headers, "content-type": "application/json", accept: "application/json" };
      if (authorization !== undefined && headerNamed(headers, "authorization") === undefined) requestHeaders.authorization = authorization;
      return window.fetch(endpoint, { method: "POST", headers: requestHeaders, body: JSON.stringify(params) }).then((response) => response.json());
    };
  }

  function render(): void {
    const apiKey = window.sessionStorage.getItem(storageKey);
    if (keyStatus !== null) {
      keyStatus.textContent = apiKey === null ? "No key given: the gateway refuses queries (401)." : "A key is in use (kept in this tab only).";
    }
    if (keyForget !== null) keyForget.hidden = apiKey === null;
    // A new key is a new fetcher: the `key` remounts GraphiQL, which fetches the schema again with it.
    root.render(window.React.createElement(window.GraphiQL, { key: apiKey ?? "", fetcher: createFetcher(apiKey) }));
  }

  keyForm?.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = keyInput?.value.trim() ?? "";
    if (key === "") window.sessionStorage.removeItem(storageKey);
    else window.sessionStorage.setItem(storageKey, key);
    if (keyInput !== null) keyInput.value = "";
    render();
  });
  keyForget?.addEventListener("click", () => {
    window.sessionStorage.removeItem(storageKey);
    render();
  });
  render();
}

/** `bootGraphiQL` as a browser script, run once the deferred vendor scripts before it have set their globals. */
export function bootScript(): string {
  return `"use strict";\n(${bootGraphiQL.toString()})(window, ${JSON.stringify(PAGE_ELEMENT_IDS)}, ${operationTypeOf.toString()});\n`;
}
