import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { authenticate } from "./auth.js";
import type { RequestCounters, RequestRecorder } from "./counters.js";
import { deliver } from "./delivery.js";
import type { Fault, FaultPlanner } from "./faults.js";
import type { Paginator } from "./pagination.js";
import { FixedWindowRateLimiter, rateLimitHeaders, retryAfterHeader } from "./rate-limit.js";
import type { RateLimitOptions } from "./rate-limit.js";
import { errorReply, matchRoute } from "./router.js";
import type { Reply, Route, RouteMatch } from "./router.js";
import { v1Routes } from "./routes-v1.js";
import type { OutputLinks, V1Context } from "./routes-v1.js";
import { v2Routes } from "./routes-v2.js";
import type { V2Context } from "./routes-v2.js";
import type { World } from "./world.js";

type ApiContext = V2Context & V1Context;

const ROUTES: readonly Route<ApiContext>[] = [...v2Routes, ...v1Routes];

export interface ApiServerConfig {
  world: World;
  tokens: ReadonlySet<string>;
  pages: Paginator;
  outputLinks: OutputLinks;
  counters: RequestCounters & RequestRecorder;
  faults: FaultPlanner;
  latencyMs: number;
  rateLimit: RateLimitOptions | null;
}

const STATUS_FAULT_MESSAGES: Record<Extract<Fault, { kind: "status" }>["status"], string> = {
  429: "Rate limit exceeded.",
  500: "Internal server error.",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/**
 * The HTTP face of the simulator. Each request goes: count, wait out the latency, spend rate-limit
 * budget (API paths only), roll for a fault, authenticate, route, then deliver (possibly mangled).
 * Requests never wait on each other: latency is a timer per request.
 */
export class ApiServer {
  readonly #server: Server;
  readonly #config: ApiServerConfig;
  readonly #context: ApiContext;
  #latencyMs = 0;
  #throttle: { options: RateLimitOptions; limiter: FixedWindowRateLimiter } | null = null;

  constructor(config: ApiServerConfig) {
    this.#config = config;
    this.#context = { world: config.world, pages: config.pages, outputLinks: config.outputLinks };
    this.setLatency(config.latencyMs);
    this.setRateLimit(config.rateLimit);
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  setLatency(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`latency must be >= 0 ms, got ${ms}`);
    this.#latencyMs = ms;
  }

  setRateLimit(options: RateLimitOptions | null): void {
    this.#throttle = options && { options, limiter: new FixedWindowRateLimiter(options.requestsPerSecond) };
  }

  /** Starts listening; resolves to the base URL. */
  async listen(host: string, port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    const { port: boundPort } = this.#server.address() as AddressInfo;
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
    this.#config.outputLinks.setBaseUrl(url);
    return url;
  }

  /** Stops accepting and drops open connections (keep-alive ones included), so tests end promptly. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://simulator.invalid");
    const method = req.method ?? "GET";
    const match = matchRoute(ROUTES, url.pathname);
    const endpoint = `${method} ${match ? match.route.label : "(unknown route)"}`;
    const { counters, faults } = this.#config;
    let outcome: string | undefined;
    counters.received(endpoint);
    res.once("close", () => counters.finished(outcome ?? (res.writableFinished ? String(res.statusCode) : "aborted")));

    if (this.#latencyMs > 0) await sleep(this.#latencyMs);
    if (res.destroyed) return;

    const rate = url.pathname.startsWith("/api/") ? this.#spendBudget() : undefined;
    const fault = rate?.rejection ? undefined : faults.next(endpoint);
    if (fault?.kind === "reset") {
      outcome = "reset";
      req.socket.destroy();
      return;
    }
    const reply = rate?.rejection ?? (fault?.kind === "status" ? statusFaultReply(fault) : this.#answer(req, endpoint, url, match));
    const withRateHeaders: Reply = { ...reply, headers: { ...rate?.headers, ...reply.headers } };
    if (deliver(res, withRateHeaders, fault) === "truncated") outcome = "truncated";
  }

  #spendBudget(): { headers: Record<string, string>; rejection?: Reply } | undefined {
    if (!this.#throttle) return undefined;
    const { options, limiter } = this.#throttle;
    const now = Date.now();
    const decision = limiter.take(now);
    const headers = rateLimitHeaders(decision, options, now);
    if (decision.allowed) return { headers };
    const retryAfter = retryAfterHeader(decision, options, now);
    return { headers, rejection: errorReply(429, STATUS_FAULT_MESSAGES[429], retryAfter ? { "retry-after": retryAfter } : undefined) };
  }

  #answer(req: IncomingMessage, endpoint: string, url: URL, match: RouteMatch<ApiContext> | undefined): Reply {
    if (!match) return errorReply(404, "Not Found");
    if (req.method !== "GET") return errorReply(405, "Method Not Allowed");
    if (match.route.authenticated) {
      const auth = authenticate(req.headers, url.searchParams, this.#config.tokens);
      if (!auth.ok) return errorReply(401, auth.message);
    }
    try {
      return match.route.handle({ endpoint, params: match.params, query: url.searchParams, headers: req.headers }, this.#context);
    } catch (error) {
      // A simulator bug: say so in the body rather than crash the process hosting the tests.
      return errorReply(500, `Simulator error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function statusFaultReply(fault: Extract<Fault, { kind: "status" }>): Reply {
  const headers = fault.retryAfterSeconds === undefined ? undefined : { "retry-after": String(fault.retryAfterSeconds) };
  return errorReply(fault.status, STATUS_FAULT_MESSAGES[fault.status], headers);
}
