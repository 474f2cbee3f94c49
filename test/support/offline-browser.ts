import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { own } from "./owned-processes.js";

/**
 * Debian's Chromium driven by playwright-core, with the network cut off: every request and WebSocket a page
 * opens to anything but the allowed origins (a gateway on loopback) is aborted and recorded, and no host name
 * resolves, so nothing the browser might start on its own reaches the internet either. Tests assert on what
 * was blocked, take screenshots under test/artifacts/ for a person to look at, and close it all, also on failure.
 */
export interface OfflineBrowser {
  /** A fresh page in a context of its own (no cookies, storage or cache shared with other pages). */
  openPage(options: { allowedOrigins: readonly string[]; viewport?: { width: number; height: number } }): Promise<OfflinePage>;
  /** Closes every page and the browser; safe to call more than once. */
  close(): Promise<void>;
}

export interface OfflinePage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Every URL the page tried to reach outside the allowed origins (each was aborted). */
  readonly blocked: readonly string[];
  /** Every URL the page requested from the allowed origins. */
  readonly requested: readonly string[];
  /** What the page logged as errors to its console, and its uncaught exceptions. */
  readonly errors: readonly string[];
  /** Saves a PNG of the page as test/artifacts/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Never committed (.gitignore): screenshots of the last run. */
export const ARTIFACTS_DIR = fileURLToPath(new URL("../artifacts/", import.meta.url));

/** Where Debian installs it; `CHROMIUM_PATH` points elsewhere. Never a browser Playwright downloads. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
}

function installHint(path: string): string {
  return (
    `Chromium was not found at ${path}. The browser tests drive Debian's Chromium: install it with ` +
    "`sudo apt-get install chromium` (or set CHROMIUM_PATH to a Chromium), then run the tests again."
  );
}

/**
 * Run as root there is no user namespace for Chromium's sandbox. The rest keeps a headless Chromium from
 * opening connections of its own (component updates, sync, QUIC probes, first-run pages), which a closed
 * network refuses many at a time; and any host name but the loopback's fails to resolve.
 */
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
];

const ACTION_TIMEOUT_MS = 10_000;

export async function launchOfflineBrowser(): Promise<OfflineBrowser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) throw new Error(installHint(executablePath));
  // Launched as a server so that its process is in hand: owned, it cannot outlive the test run (owned-processes.ts).
  const server = await chromium.launchServer({ executablePath, headless: true, args: CHROMIUM_FLAGS });
  own(server.process(), "chromium (offline browser)", { group: true });
  let browser: Browser;
  try {
    browser = await chromium.connect(server.wsEndpoint());
  } catch (error) {
    await server.close();
    throw error;
  }
  let closed: Promise<void> | undefined;

  async function openPage({ allowedOrigins, viewport }: Parameters<OfflineBrowser["openPage"]>[0]): Promise<OfflinePage> {
    const allowed = new Set(allowedOrigins.map((origin) => new URL(origin).host));
    const isAllowed = (url: URL) => allowed.has(url.host) && (url.protocol === "http:" || url.protocol === "ws:");
    const blocked: string[] = [];
    const requested: string[] = [];
    const errors: string[] = [];
    const context = await browser.newContext({ viewport: viewport ?? { width: 1400, height: 900 }, serviceWorkers: "block" });
    try {
      await context.route("**/*", (route) => {
        const url = new URL(route.request().url());
        if (isAllowed(url)) {
          requested.push(url.href);
          return route.continue();
        }
        blocked.push(url.href);
        return route.abort("internetdisconnected");
      });
      await context.routeWebSocket(
        (url) => !isAllowed(url),
        (socket) => {
          blocked.push(socket.url());
          return socket.close({ code: 1008, reason: "the network is cut off in this test" });
        },
      );
      const page = await context.newPage();
      // Below a test's own timeout, so a step that cannot happen fails with Playwright's account of why.
      page.setDefaultTimeout(ACTION_TIMEOUT_MS);
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      page.on("pageerror", (error) => errors.push(error.message));
      return {
        page,
        context,
        blocked,
        requested,
        errors,
        async screenshot(name) {
          await mkdir(ARTIFACTS_DIR, { recursive: true });
          const path = `${ARTIFACTS_DIR}${name}.png`;
          await page.screenshot({ path });
          return path;
        },
        close: () => context.close(),
      };
    } catch (error) {
      await context.close();
      throw error;
    }
  }

  return { openPage, close: () => (closed ??= browser.close().then(() => server.close())) };
}
