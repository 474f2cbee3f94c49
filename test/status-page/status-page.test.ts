import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/index.js";
import type { Simulator } from "../../src/simulator/index.js";
import type { WorkflowJobWire, WorkflowWire } from "../../src/simulator/model.js";
import { startServeProcess, stopCli } from "../support/cli-process.js";
import type { CliRun } from "../support/cli-process.js";
import { launchOfflineBrowser } from "../support/offline-browser.js";
import type { OfflineBrowser, OfflinePage } from "../support/offline-browser.js";
import { awaitingApproval, ghSlug } from "../simulator/world-fixtures.js";

/**
 * The live status page in a real browser with the network cut off: Debian's Chromium against a built `serve` (sync
 * every second, embedded store, a write key) over the simulator. It renders what `statusBoard` and
 * `pendingApprovals` answer, follows the simulator without a reload, and approves a held job from the keyboard.
 */
const WRITE_KEY = "status-page-write-key-0123456789";
const APPROVE = "POST /workflow/{id}/approve/{approvalRequestId}";

let sim: Simulator;
let slug: string;
let serve: { run: CliRun; url: string };
let origin: string;
let browser: OfflineBrowser;
let tab: OfflinePage | undefined;
let held: { workflow: WorkflowWire; approval: WorkflowJobWire };

beforeAll(async () => {
  sim = await startSimulator({ world: { seed: 41, projects: 2, pipelinesPerProject: 6, historyDays: 1 } });
  slug = ghSlug(sim.world);
  held = awaitingApproval(sim.world);
  serve = await startServeProcess({
    CIRCLECI_TOKEN: sim.token,
    CIRCLECI_BASE_URL: sim.url,
    CIRCLECI_PROJECT_SLUGS: [...sim.world.state.projects.keys()].join(","),
    CIRCLECI_REQUESTS_PER_SECOND: "1000",
    SYNC_INTERVAL_SECONDS: "1",
    GATEWAY_WRITE_KEYS: WRITE_KEY,
  });
  origin = new URL(serve.url).origin;
  await serve.run.waitForLine(/^sync cycle done:/, 30_000);
  browser = await launchOfflineBrowser();
}, 60_000);

afterEach(async () => {
  await tab?.close();
  tab = undefined;
});

afterAll(async () => {
  await browser?.close();
  if (serve !== undefined) await stopCli(serve.run);
  await sim?.stop();
});

interface BoardAnswer {
  statusBoard: { projectSlug: string; workflowName: string; latest: { status: string; pipelineNumber: number } }[];
  pendingApprovals: { job: { id: string } }[];
}

async function answers(): Promise<BoardAnswer> {
  const query = "{ statusBoard { projectSlug workflowName latest { status pipelineNumber } } pendingApprovals { job { id } } }";
  const response = await fetch(serve.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  return ((await response.json()) as { data: BoardAnswer }).data;
}

async function openStatusPage(path: string, viewport = { width: 1280, height: 900 }): Promise<OfflinePage> {
  tab = await browser.openPage({ allowedOrigins: [origin], viewport });
  const response = await tab.page.goto(`${origin}${path}`);
  expect(response?.status()).toBe(200);
  await tab.page.waitForSelector("body[data-live=true]");
  await tab.page.waitForSelector("#board tbody tr");
  return tab;
}

/** The board rows as the page shows them: project, workflow, latest status and pipeline number. */
function rowsOf(page: OfflinePage) {
  return page.page.$$eval("#board tbody tr", (rows) =>
    rows.map((row) => {
      const element = row as HTMLElement;
      const cells = [...row.querySelectorAll("td")].map((cell) => cell.textContent ?? "");
      return { project: element.dataset.project, workflow: element.dataset.workflow, status: element.dataset.status, latest: cells[3] };
    }),
  );
}

function expectOffline(page: OfflinePage): void {
  expect(page.blocked).toEqual([]);
  expect(page.requested.every((url) => url.startsWith(`${origin}/`))).toBe(true);
  expect(page.errors).toEqual([]);
}

describe("the status page, served by the gateway, offline", () => {
  it("renders the status board and the approvals inbox as the gateway answers them, with no approve button without a key", async () => {
    const page = await openStatusPage("/");
    const { statusBoard, pendingApprovals } = await answers();
    expect(statusBoard.length).toBeGreaterThan(1);
    expect(await rowsOf(page)).toEqual(
      statusBoard.map((entry) => ({ project: entry.projectSlug, workflow: entry.workflowName, status: entry.latest.status, latest: expect.stringContaining(`#${entry.latest.pipelineNumber}`) })),
    );
    const shown = await page.page.$$eval("#approvals li", (items) => items.map((item) => (item as HTMLElement).dataset.job));
    expect(shown).toEqual(pendingApprovals.map((approval) => approval.job.id));
    expect(shown).toContain(held.approval.id);
    expect(await page.page.locator("#approvals button").count()).toBe(0);
    await page.screenshot("status-page");
    expectOffline(page);
  });

  it("follows CircleCI without a reload: a new run on the board appears once the sync has it", { timeout: 40_000 }, async () => {
    const page = await openStatusPage("/status");
    const pipeline = sim.world.triggerPipeline(slug, { branch: sim.world.state.projects.get(slug)?.vcs_info.default_branch as string });
    sim.world.advance(60_000);
    await expect.poll(async () => (await rowsOf(page)).some((row) => row.project === slug && row.latest?.includes(`#${pipeline.number}`)), { timeout: 20_000 }).toBe(true);
    expect(await rowsOf(page)).toEqual((await answers()).statusBoard.map((entry) => expect.objectContaining({ project: entry.projectSlug, workflow: entry.workflowName, status: entry.latest.status })));
    expectOffline(page);
  });

  it("approves a held job from the keyboard with a write key: CircleCI is asked once, and the job leaves the inbox", async () => {
    const page = await openStatusPage("/status");
    const approvesBefore = sim.counters.byEndpoint()[APPROVE] ?? 0;
    await page.page.getByLabel("API key").focus();
    await page.page.keyboard.type(WRITE_KEY);
    await page.page.keyboard.press("Enter");
    const button = page.page.locator(`#approvals li[data-job="${held.approval.id}"] button`);
    await button.waitFor();
    expect(await button.getAttribute("aria-label")).toMatch(/^Approve /);
    await button.focus();
    await page.page.keyboard.press("Enter");
    await expect.poll(() => page.page.locator(`#approvals li[data-job="${held.approval.id}"]`).count(), { timeout: 20_000 }).toBe(0);
    expect((sim.counters.byEndpoint()[APPROVE] ?? 0) - approvesBefore).toBe(1);
    expect(await page.page.textContent("#notice")).toMatch(/Approved/);
    // The key lives in the tab's session storage, never in the URL.
    expect(page.page.url()).not.toContain(WRITE_KEY);
    expectOffline(page);
  });

  it("fits a phone's width, and names every control", async () => {
    const page = await openStatusPage("/", { width: 375, height: 800 });
    const { scrollWidth, clientWidth } = await page.page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    const unnamed = await page.page.evaluate(() =>
      [...document.querySelectorAll("button, input")].filter((control) => {
        const element = control as HTMLInputElement;
        const label = element.labels?.length ? element.labels[0]?.textContent : element.getAttribute("aria-label") ?? element.textContent;
        return (label ?? "").trim() === "";
      }).length,
    );
    expect(unnamed).toBe(0);
    await page.screenshot("status-page-phone");
    expectOffline(page);
  });
});
