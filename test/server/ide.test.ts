import { answerOf } from "../support/answer.js";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ASSETS_PATH, GRAPHIQL_CONTENT_SECURITY_POLICY, SANDBOX_SCRIPT_URL } from "../../src/server/ide/index.js";
import type { GraphqlIde } from "../../src/server/ide/index.js";
import { acceptsGzip, prefersHtml } from "../../src/server/ide/negotiation.js";
import { operationTypeOf } from "../../src/server/ide/operation-type.js";
import { relativeUrl } from "../../src/server/ide/pages.js";
import { useTinyServers } from "./tiny-server.js";

/** What Chromium sends when a person opens a URL. */
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
const KEY = "ide-test-key-0123456789";
const IMMUTABLE = "public, max-age=31536000, immutable";

const { startServer } = useTinyServers();

async function gatewayWith(ide: GraphqlIde, apiKeys: string[] = []): Promise<{ url: string; origin: string }> {
  const { url, origin } = await startServer({ ide, apiKeys });
  return { url, origin };
}

function browserGet(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers: { accept: BROWSER_ACCEPT, ...headers } });
}

/** The asset URLs a page links, in order, resolved against the page's URL. */
function assetUrls(html: string, pageUrl: string): string[] {
  return [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map(([, ref]) => ref as string).filter((ref) => ref.includes("assets/")).map((ref) => new URL(ref, pageUrl).href);
}

function packagedFile(packageName: string, path: string): Buffer {
  const require = createRequire(import.meta.url);
  return readFileSync(join(dirname(require.resolve(`${packageName}/package.json`)), path));
}

describe("prefersHtml", () => {
  it("tells a browser's navigation from a GraphQL client's GET", () => {
    expect(prefersHtml(BROWSER_ACCEPT)).toBe(true);
    expect(prefersHtml("text/html")).toBe(true);
    expect(prefersHtml("application/json, text/html;q=0.5")).toBe(false);
    expect(prefersHtml("*/*")).toBe(false);
    expect(prefersHtml("application/json")).toBe(false);
    expect(prefersHtml("application/graphql-response+json, application/json")).toBe(false);
    expect(prefersHtml(undefined)).toBe(false);
    expect(prefersHtml("text/*, application/json")).toBe(false);
    expect(prefersHtml("text/html;q=0, */*")).toBe(false);
    expect(prefersHtml("text/html;q=banana")).toBe(false);
  });

  it("reads gzip from Accept-Encoding, by name or by *", () => {
    expect(acceptsGzip("gzip, deflate, br, zstd")).toBe(true);
    expect(acceptsGzip("*")).toBe(true);
    expect(acceptsGzip("gzip;q=0, *")).toBe(false);
    expect(acceptsGzip("br")).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });

  it("refers to assets relative to the page, so a path prefix in front keeps working", () => {
    expect(relativeUrl("/graphql", "/graphiql/assets/a.js")).toBe("graphiql/assets/a.js");
    expect(relativeUrl("/graphiql", "/graphql")).toBe("graphql");
    expect(relativeUrl("/api/graphql", "/graphiql")).toBe("../graphiql");
  });
});

describe("operationTypeOf", () => {
  it("finds the operation GraphiQL runs, by name or the first, whatever the comments, strings and arguments hold", () => {
    expect(operationTypeOf("{ projects { slug } }")).toBe("query");
    expect(operationTypeOf("subscription { pipelineCreated { id } }")).toBe("subscription");
    expect(operationTypeOf("# subscription {\n query Q { a }")).toBe("query");
    expect(operationTypeOf('query Q($s: String = "subscription { x }") { a(b: { c: "}" }) }', "Q")).toBe("query");
    expect(operationTypeOf('mutation M { a(text: """\n { subscription """) }')).toBe("mutation");
    const document = `
      fragment F on Pipeline @include(if: true) { id }
      query Dashboard($slug: String!) { pipelines(projectSlug: $slug) { nodes { ...F } } }
      subscription Live @live { pipelineCreated(projectSlug: "gh/a/b") { ...F } }
    `;
    expect(operationTypeOf(document)).toBe("query");
    expect(operationTypeOf(document, "Live")).toBe("subscription");
    expect(operationTypeOf(document, "Dashboard")).toBe("query");
    expect(operationTypeOf(document, "Missing")).toBeUndefined();
    expect(operationTypeOf("# only a comment")).toBeUndefined();
  });
});

describe("a browser GET of /graphql", () => {
  it("shows Apollo Sandbox by default, with a way to GraphiQL when Apollo's CDN cannot be reached", async () => {
    const { url } = await startServer({});
    const response = await browserGet(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await response.text();
    expect(html).toContain(`<script src="${SANDBOX_SCRIPT_URL}"></script>`);
    expect(html).toContain('<a href="graphiql">Open GraphiQL</a>');
  });

  it("shows GraphiQL with GRAPHQL_IDE=graphiql: assets from this origin only, under a strict Content-Security-Policy", async () => {
    const { url, origin } = await gatewayWith("graphiql");
    const response = await browserGet(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toBe(GRAPHIQL_CONTENT_SECURITY_POLICY);
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const html = await response.text();
    expect(html).toContain('data-endpoint="graphql"');
    const assets = assetUrls(html, url);
    expect(assets.map((asset) => new URL(asset).pathname.replace(/-[0-9a-f]{16}\./, "-<hash>."))).toEqual([
      `${ASSETS_PATH}/graphiql-<hash>.css`,
      `${ASSETS_PATH}/page-<hash>.css`,
      `${ASSETS_PATH}/react-<hash>.js`,
      `${ASSETS_PATH}/react-dom-<hash>.js`,
      `${ASSETS_PATH}/graphql-ws-<hash>.js`,
      `${ASSETS_PATH}/graphiql-<hash>.js`,
      `${ASSETS_PATH}/boot-<hash>.js`,
    ]);
    expect(assets.every((asset) => asset.startsWith(`${origin}/`))).toBe(true);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });

  it("answers 406 with how to query when GRAPHQL_IDE=off, and that example works", async () => {
    const { url } = await gatewayWith("off");
    const response = await browserGet(url);
    expect(response.status).toBe(406);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const text = await response.text();
    expect(text).toContain("Its in-browser IDE is off (GRAPHQL_IDE=off)");
    const [, example] = text.match(/curl (\S+) -H 'content-type: application\/json' -d '(.+)'/) ?? [];
    expect(example).toBe(url);
    const answer = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: text.match(/-d '(.+)'/)?.[1] as string });
    expect(await answer.json()).toEqual(answerOf({ __typename: "Query" }));
    expect((await browserGet(new URL("/graphiql", url).href)).status).toBe(404);
  });

  it("leaves every other GET to GraphQL over HTTP, whatever the IDE", async () => {
    for (const ide of ["sandbox", "graphiql", "off"] as const) {
      const { url } = await gatewayWith(ide);
      const query = `${url}?query=${encodeURIComponent("{ hello }")}`;
      const preflighted = await fetch(query, { headers: { "apollo-require-preflight": "true" } });
      expect(await preflighted.json()).toEqual(answerOf({ hello: "world" }));
      const plain = await fetch(url, { headers: { accept: "application/json" } });
      expect(plain.status).toBe(400);
      expect(plain.headers.get("content-type")).toMatch(/^application\/json/);
    }
  });
});

describe("/graphiql and its assets", () => {
  it("are served whatever the IDE but off, without the API key; queries still need it", async () => {
    for (const ide of ["sandbox", "graphiql"] as const) {
      const { url, origin } = await gatewayWith(ide, [KEY]);
      const page = await browserGet(`${origin}/graphiql`);
      expect(page.status).toBe(200);
      const html = await page.text();
      // The key bar is shown when keys are required.
      expect(html).toMatch(/<form class="api-key" id="api-key-form" autocomplete="off">/);
      for (const asset of assetUrls(html, `${origin}/graphiql`)) expect((await fetch(asset)).status).toBe(200);
      const unauthenticated = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query":"{ hello }"}' });
      expect(unauthenticated.status).toBe(401);
    }
    const open = await gatewayWith("graphiql");
    expect(await (await browserGet(`${open.origin}/graphiql`)).text()).toContain('<form class="api-key" id="api-key-form" autocomplete="off" hidden>');
  });

  it("serves each asset with the packages' bytes, for good under its versioned name, gzipped when asked", async () => {
    const { origin } = await gatewayWith("graphiql");
    const html = await (await browserGet(`${origin}/graphiql`)).text();
    const [, , react, , graphqlWs, graphiql] = assetUrls(html, `${origin}/graphiql`) as string[];

    const plain = await fetch(graphiql as string, { headers: { "accept-encoding": "identity" } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(plain.headers.get("cache-control")).toBe(IMMUTABLE);
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(Buffer.from(await plain.arrayBuffer()).equals(packagedFile("graphiql", "graphiql.min.js"))).toBe(true);

    // undici's fetch would decode gzip itself: read the raw bytes through node:http instead.
    const { get } = await import("node:http");
    const zipped = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      get(react as string, { headers: { "accept-encoding": "gzip, deflate, br" } }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
      }).on("error", reject);
    });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.headers.vary).toBe("accept-encoding");
    expect(gunzipSync(zipped.body).equals(packagedFile("react", "umd/react.production.min.js"))).toBe(true);

    const head = await fetch(graphqlWs as string, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(0);
    expect(await head.text()).toBe("");

    const unknown = await fetch(`${origin}${ASSETS_PATH}/graphiql-0000000000000000.js`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("cache-control")).toBe("no-store");
  });

  it("revalidates the page by its ETag, and sends /graphiql/ back to /graphiql", async () => {
    const { origin } = await gatewayWith("sandbox");
    const first = await browserGet(`${origin}/graphiql`);
    const etag = first.headers.get("etag") as string;
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    expect((await browserGet(`${origin}/graphiql`, { "if-none-match": etag })).status).toBe(304);
    const slash = await fetch(`${origin}/graphiql/`, { redirect: "manual" });
    expect(slash.status).toBe(301);
    expect(new URL(slash.headers.get("location") as string, `${origin}/graphiql/`).href).toBe(`${origin}/graphiql`);
  });
});
