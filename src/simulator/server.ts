import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { authenticate, PERMISSION_DENIED } from "./auth.js";
import type { TokenAccess } from "./auth.js";
import type { RequestCounters, RequestRecorder } from "./counters.js";
import { deliver } from "./delivery.js";
import type { Fault, FaultPlanner } from "./faults.js";
import type { Paginator } from "./pagination.js";
import { FixedWindowRateLimiter, rateLimitHeaders, retryAfterHeader } from "./rate-limit.js";
import type { RateLimitOptions } from "./rate-limit.js";
import { errorReply, matchRoute } from "./router.js";
import type { Reply, Route, RouteMatch } from "./router.js";
import { actionRoutes } from "./routes-actions.js";
import { v1Routes } from "./routes-v1.js";
import type { OutputLinks, V1Context } from "./routes-v1.js";
import { v2Routes } from "./routes-v2.js";
import type { V2Context } from "./routes-v2.js";
import type { World } from "./world.js";

type ApiContext = V2Context & V1Context;

const ROUTES: readonly Route<ApiContext>[] = [...v2Routes, ...actionRoutes, ...v1Routes];

/** CircleCI's wording for a body that is not JSON. */
const INVALID_JSON_BODY = "Invalid JSON body.";

export interface ApiServerConfig {
  world: World;
  /** Accepted tokens and what each may do. */
  tokens: ReadonlyMap<string, TokenAccess>;
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
 * The HTTP face of the simulator. Each request goes: count (and keep its body), wait out the latency,
 * spend rate-limit budget (API paths only), roll for a fault, authenticate, route, then deliver
 * (possibly mangled, or not at all). Requests never wait on each other: latency is a timer per request.
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
    const match = matchRoute(ROUTES, method, url.pathname);
    const endpoint = `${method} ${match ? match.route.label : "(unknown route)"}`;
    const { counters, faults } = this.#config;
    let outcome: string | undefined;
    counters.received(endpoint);
    res.once("close", () => counters.finished(outcome ?? (res.writableFinished ? String(res.statusCode) : "aborted")));

    let body: string | undefined;
    if (method !== "GET" && method !== "HEAD") {
      body = await readText(req).catch(() => undefined);
      // The client went away in the middle of its body; the close counts it as aborted.
      if (body === undefined) return;
      counters.bodyReceived(endpoint, body);
    }

    if (this.#latencyMs > 0) await sleep(this.#latencyMs);
    if (res.destroyed) return;

    const rate = url.pathname.startsWith("/api/") ? this.#spendBudget() : undefined;
    const fault = rate?.rejection ? undefined : faults.next(endpoint);
    if (fault?.kind === "reset") {
      outcome = "reset";
      req.socket.destroy();
      return;
    }
    const reply = rate?.rejection ?? (fault?.kind === "status" ? statusFaultReply(fault) : this.#answer(req, endpoint, url, match, body));
    if (fault?.kind === "lost-answer") {
      // Carried out (a write took effect), and then the answer never leaves.
      outcome = "lost-answer";
      req.socket.destroy();
      return;
    }
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

  #answer(req: IncomingMessage, endpoint: string, url: URL, match: RouteMatch<ApiContext> | undefined, body: string | undefined): Reply {
    if (!match) return errorReply(404, "Not Found");
    if (!match.methodAllowed) return errorReply(405, "Method Not Allowed");
    if (match.route.authenticated) {
      const auth = authenticate(req.headers, url.searchParams, this.#config.tokens);
      if (!auth.ok) return errorReply(401, auth.message);
      if (match.route.writes && auth.access !== "write") return errorReply(403, PERMISSION_DENIED);
    }
    const json = parseJson(body);
    if (!json.ok) return errorReply(400, INVALID_JSON_BODY);
    try {
      return match.route.handle({ endpoint, params: match.params, query: url.searchParams, headers: req.headers, body: json.value }, this.#context);
    } catch (error) {
      // A simulator bug: say so in the body rather than crash the process hosting the tests.
      return errorReply(500, `Simulator error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** An absent or empty body is `undefined`, as CircleCI takes a POST without one. */
function parseJson(body: string | undefined): { ok: true; value: unknown } | { ok: false } {
  if (body === undefined || body.trim() === "") return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false };
  }
}

function statusFaultReply(fault: Extract<Fault, { kind: "status" }>): Reply {
  const headers = fault.retryAfterSeconds === undefined ? undefined : { "retry-after": String(fault.retryAfterSeconds) };
  return errorReply(fault.status, STATUS_FAULT_MESSAGES[fault.status], headers);
}
