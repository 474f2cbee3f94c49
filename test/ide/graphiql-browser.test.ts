import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_SCRIPT_URL } from "../../src/server/ide/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import { sampleValue } from "../metrics/prometheus-text.js";
import { waitFor } from "../server/wait-for.js";
import { startServeProcess, stopCli } from "../support/cli-process.js";
import type { CliRun } from "../support/cli-process.js";
import { GraphiQLPage } from "../support/graphiql-page.js";
import { launchOfflineBrowser } from "../support/offline-browser.js";
import type { OfflineBrowser, OfflinePage } from "../support/offline-browser.js";
import { readmeCodeBlocks } from "../support/readme.js";

/**
 * GraphiQL in a real browser with the network cut off: Debian's Chromium against two built `serve` processes over
 * one simulator (sync every second, embedded store), one with GRAPHQL_IDE=graphiql, one with the default
 * (Sandbox) and API keys. Every request outside the gateway is aborted and recorded; each test asserts that the
 * pages attempted none (the Sandbox page, which needs Apollo's CDN, attempts exactly that one script).
 */
const KEY = "browser-test-key-0123456789";

interface Gateway {
  run: CliRun;
  url: string;
  origin: string;
}

let sim: Simulator;
let slug: string;
let open: Gateway;
let keyed: Gateway;
let browser: OfflineBrowser;
let tab: OfflinePage | undefined;

beforeAll(async () => {
  sim = await startSimulator({ world: { seed: 17, projects: 1, pipelinesPerProject: 6, historyDays: 1 } });
  [slug] = [...sim.world.state.projects.keys()] as [string];
  // Settled, not raced: when one fails, the others are assigned before afterAll stops them.
  const started = await Promise.allSettled([
    startGateway({ GRAPHQL_IDE: "graphiql" }).then((gateway) => (open = gateway)),
    startGateway({ GATEWAY_API_KEYS: KEY }).then((gateway) => (keyed = gateway)),
    launchOfflineBrowser().then((launched) => (browser = launched)),
  ]);
  const failure = started.find((outcome) => outcome.status === "rejected");
  if (failure !== undefined) throw failure.reason;
}, 60_000);

afterEach(async () => {
  await tab?.close();
  tab = undefined;
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([open, keyed].map((gateway) => gateway && stopCli(gateway.run, "SIGKILL")));
  await sim?.stop();
});

/** A built `serve` over the simulator, resolved once its first sync cycle has stored the simulated data. */
async function startGateway(env: NodeJS.ProcessEnv): Promise<Gateway> {
  const { run, url } = await startServeProcess({
    CIRCLECI_TOKEN: sim.token,
    CIRCLECI_BASE_URL: sim.url,
    CIRCLECI_PROJECT_SLUGS: slug,
    CIRCLECI_REQUESTS_PER_SECOND: "1000",
    SYNC_INTERVAL_SECONDS: "1",
    ...env,
  });
  try {
    await run.waitForLine(/^sync cycle done:/, 30_000);
  } catch (error) {
    await stopCli(run, "SIGKILL");
    throw error;
  }
  return { run, url, origin: new URL(url).origin };
}

async function openGraphiQL(gateway: Gateway, path: string, viewport?: { width: number; height: number }): Promise<{ graphiql: GraphiQLPage; tab: OfflinePage }> {
  tab = await browser.openPage({ allowedOrigins: [gateway.origin], viewport });
  const response = await tab.page.goto(`${gateway.origin}${path}`);
  expect(response?.status()).toBe(200);
  const graphiql = new GraphiQLPage(tab.page);
  await graphiql.ready();
  return { graphiql, tab };
}

/** Nothing left the gateway's origin, and the page logged no error. */
function expectOffline(page: OfflinePage, gateway: Gateway, allowedErrors: RegExp[] = []): void {
  expect(page.blocked).toEqual([]);
  expect(page.requested.length).toBeGreaterThan(0);
  expect(page.requested.every((url) => url.startsWith(`${gateway.origin}/`))).toBe(true);
  expect(page.errors.filter((error) => !allowedErrors.some((allowed) => allowed.test(error)))).toEqual([]);
}

async function activeSubscriptions(gateway: Gateway, headers: Record<string, string> = {}): Promise<number | undefined> {
  const text = await (await fetch(`${gateway.origin}/metrics`, { headers })).text();
  return sampleValue(text, "circleci_gateway_active_subscriptions");
}

/** The pipeline numbers of the slug the simulator holds, newest first: what the dashboard must list. */
function truthNumbers(): number[] {
  const { state } = sim.world;
  return (state.pipelinesByProject.get(slug) ?? [])
    .map((id) => state.pipelines.get(id)?.number as number)
    .sort((a, b) => b - a);
}

interface DashboardAnswer {
  data?: { pipelines: { nodes: { number: number; workflows: { name: string; jobs: { name: string }[] }[] }[] } };
  errors?: unknown[];
}

interface PipelineCreatedAnswer {
  data?: { pipelineCreated: { number: number; vcs: { branch: string | null } } };
}

describe("GraphiQL, served by the gateway, offline", () => {
  it("loads at /graphql with GRAPHQL_IDE=graphiql, shows the docs explorer, and runs the README's dashboard query", async () => {
    // The README's screenshot (docs/graphiql.png) is this one's.
    const { graphiql, tab } = await openGraphiQL(open, "/graphql", { width: 1600, height: 1000 });
    const docs = await graphiql.openDocs();
    await docs.getByRole("link", { name: "Query" }).click();
    await expect.poll(() => docs.innerText()).toMatch(/pipelines\(/);

    const dashboard = readmeCodeBlocks("graphql").find((block) => block.startsWith("query Dashboard")) as string;
    await graphiql.setQuery(dashboard);
    await graphiql.setVariables({ slug });
    await graphiql.run();
    const answer = await graphiql.waitForResponse<DashboardAnswer>((response) => response.data !== undefined || response.errors !== undefined);
    expect(answer.errors).toBeUndefined();
    const nodes = answer.data?.pipelines.nodes ?? [];
    expect(nodes.map(({ number }) => number)).toEqual(truthNumbers());
    expect(nodes.some(({ workflows }) => workflows.some(({ jobs }) => jobs.length > 0))).toBe(true);
    await tab.screenshot("graphiql-dashboard");
    expectOffline(tab, open);
  });

  it("runs a subscription over the gateway's WebSocket and shows the event when the simulator moves on", async () => {
    const { graphiql, tab } = await openGraphiQL(open, "/graphiql");
    await graphiql.setQuery(`subscription { pipelineCreated(projectSlug: "${slug}") { number state vcs { branch } } }`);
    await graphiql.run();
    await waitFor("the browser's subscription to be live on the gateway", async () => (await activeSubscriptions(open)) === 1, 15_000);

    const created = sim.world.triggerPipeline(slug, { branch: "browser-test" });
    const event = await graphiql.waitForResponse<PipelineCreatedAnswer>((response) => response.data?.pipelineCreated.number === created.number);
    expect(event.data?.pipelineCreated.vcs.branch).toBe("browser-test");
    await tab.screenshot("graphiql-subscription");
    expectOffline(tab, open);
  });
});

describe("with GATEWAY_API_KEYS set", () => {
  it("serves GraphiQL without the key; a query without it is refused, with it answered, and a subscription sends it in connection_init", async () => {
    const { graphiql, tab } = await openGraphiQL(keyed, "/graphiql");
    const status = tab.page.locator("#api-key-status");
    await expect.poll(() => status.innerText()).toMatch(/No key given/);

    await graphiql.setQuery("{ projects { slug } }");
    await graphiql.run();
    const refused = await graphiql.waitForResponse<{ errors?: { message: string; extensions: { code: string } }[] }>((response) => response.errors !== undefined);
    expect(refused.errors?.[0]?.extensions.code).toBe("UNAUTHENTICATED");
    expect(refused.errors?.[0]?.message).toMatch(/Authorization header is missing/);

    // GraphiQL's own headers editor is one way to send the key ...
    await graphiql.setHeaders({ Authorization: `Bearer ${KEY}` });
    await graphiql.run();
    const withHeader = await graphiql.waitForResponse<{ data?: { projects: { slug: string }[] } }>((response) => response.data !== undefined);
    expect(withHeader.data?.projects).toEqual([{ slug }]);
    await graphiql.setHeaders({});

    // ... the page's key bar the other, for HTTP and WebSocket alike.
    await tab.page.locator("#api-key-input").fill(KEY);
    await tab.page.getByRole("button", { name: "Use key" }).click();
    await expect.poll(() => status.innerText()).toMatch(/A key is in use/);
    await graphiql.setQuery("{ projects { slug } }");
    await graphiql.run();
    const answered = await graphiql.waitForResponse<{ data?: { projects: { slug: string }[] } }>((response) => response.data !== undefined);
    expect(answered.data?.projects).toEqual([{ slug }]);

    await graphiql.setQuery(`subscription { pipelineCreated(projectSlug: "${slug}") { number state vcs { branch } } }`);
    await graphiql.run();
    const authorization = { authorization: `Bearer ${KEY}` };
    await waitFor("the keyed subscription to be live on the gateway", async () => (await activeSubscriptions(keyed, authorization)) === 1, 15_000);
    const created = sim.world.triggerPipeline(slug, { branch: "with-key" });
    await graphiql.waitForResponse<PipelineCreatedAnswer>((response) => response.data?.pipelineCreated.number === created.number);
    await tab.screenshot("graphiql-api-key");
    // The refused requests (the query and GraphiQL's schema fetch) are logged by Chromium as failed loads.
    expectOffline(tab, keyed, [/status of 401 \(Unauthorized\)/]);
  });

  it("shows the Sandbox page at /graphql by default, which offline says so and leads to GraphiQL", async () => {
    tab = await browser.openPage({ allowedOrigins: [keyed.origin] });
    await tab.page.goto(keyed.url);
    await expect.poll(() => tab?.page.locator("h1").innerText()).toBe("Apollo Sandbox cannot be loaded");
    expect(tab.blocked).toEqual([SANDBOX_SCRIPT_URL]);
    await tab.screenshot("sandbox-offline");

    await tab.page.getByRole("link", { name: "Open GraphiQL" }).click();
    await new GraphiQLPage(tab.page).ready();
    expect(new URL(tab.page.url()).pathname).toBe("/graphiql");
    expect(tab.blocked).toEqual([SANDBOX_SCRIPT_URL]);
  });
});
