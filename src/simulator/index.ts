import { randomBytes } from "node:crypto";
import { generatePersonalToken } from "./auth.js";
import { createRequestCounters } from "./counters.js";
import type { RequestCounters } from "./counters.js";
import { FaultPlanner } from "./faults.js";
import type { FaultOptions, ScriptedFault } from "./faults.js";
import { PageTokens, Paginator, resolvePageSizes } from "./pagination.js";
import type { LastPageStyle, ListKind } from "./pagination.js";
import type { RateLimitOptions } from "./rate-limit.js";
import { OutputLinks } from "./routes-v1.js";
import { TokenSealer } from "./sealed-token.js";
import { ApiServer } from "./server.js";
import { createWorld } from "./world.js";
import type { World, WorldOptions } from "./world.js";

export type { RequestCounters } from "./counters.js";
export type { FaultOptions, ScriptedFault } from "./faults.js";
export type { LastPageStyle, ListKind } from "./pagination.js";
export type { RateLimitOptions } from "./rate-limit.js";

export interface SimulatorOptions {
  /** A world to serve, or options to generate one. Default `createWorld({})`. */
  world?: World | WorldOptions;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Accepted tokens, with read and write access. Default: one generated `CCIPAT_<base58>_<40 hex>` token. */
  tokens?: string[];
  /** Accepted tokens that may only read: every write endpoint answers them 403. Default: one generated token. */
  readOnlyTokens?: string[];
  /** Items per page, for all lists or per list. Default 20 everywhere. */
  pageSize?: number | Partial<Record<ListKind, number>>;
  /** How the last page ends: `next_page_token: null` (default) or the key absent. */
  lastPage?: LastPageStyle;
  /** Real-time lifetime of page tokens; an expired one gets 404 `{"message":"Not Found"}`. Default null (never). */
  pageTokenTtlMs?: number | null;
  /** Real-time lifetime of v1.1 step `output_url`s; an expired one gets 403. Default 5 minutes. */
  outputUrlTtlMs?: number;
  /** Added before every response, errors included. Default 0. */
  latencyMs?: number;
  /** Default null: unlimited. */
  rateLimit?: RateLimitOptions | null;
  /** Random faults. Default none. */
  faults?: FaultOptions;
  /** Advance the world by `tickMs * speed` every `tickMs` real ms (defaults 1000 and 1). Default null: a still world. */
  live?: { tickMs?: number; speed?: number } | null;
}

export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:43123`; the API is under `/api/v2` and `/api/v1.1`. */
  readonly url: string;
  /** The first accepted token (read and write). */
  readonly token: string;
  /** The first read-only token. */
  readonly readOnlyToken: string;
  readonly world: World;
  readonly counters: RequestCounters;
  setLatency(ms: number): void;
  setRateLimit(options: RateLimitOptions | null): void;
  setFaults(options: FaultOptions | null): void;
  /** Starts, retimes or (null) stops the live world's clock: a frozen world is a truth that holds still. */
  setLive(live: { tickMs?: number; speed?: number } | null): void;
  /** Deterministic faults for tests: the next `count` (default 1) requests to `endpoint` (or any) get this fault. */
  inject(fault: ScriptedFault): void;
  /** Closes the server and the live timer; idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_OUTPUT_URL_TTL_MS = 5 * 60_000;
const DEFAULT_TICK_MS = 1000;

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const world = isWorld(options.world) ? options.world : createWorld(options.world ?? {});
  const tokens = options.tokens ?? [generatePersonalToken()];
  const readOnlyTokens = options.readOnlyTokens ?? [generatePersonalToken()];
  const [token] = tokens;
  const [readOnlyToken] = readOnlyTokens;
  if (token === undefined) throw new RangeError("tokens must hold at least one token");
  if (readOnlyToken === undefined) throw new RangeError("readOnlyTokens must hold at least one token");
  if (readOnlyTokens.some((readOnly) => tokens.includes(readOnly))) throw new RangeError("a token cannot be both read-only and read-write");

  // Sealed tokens only need to be unforgeable for the life of this process.
  const sealer = new TokenSealer(randomBytes(32));
  const counters = createRequestCounters();
  const faults = new FaultPlanner(options.faults ?? null);
  const server = new ApiServer({
    world,
    tokens: new Map([...readOnlyTokens.map((t) => [t, "read"] as const), ...tokens.map((t) => [t, "write"] as const)]),
    pages: new Paginator(
      new PageTokens({ sealer, ttlMs: options.pageTokenTtlMs ?? null }),
      resolvePageSizes(options.pageSize),
      options.lastPage ?? "null",
    ),
    outputLinks: new OutputLinks(sealer, options.outputUrlTtlMs ?? DEFAULT_OUTPUT_URL_TTL_MS),
    counters,
    faults,
    latencyMs: options.latencyMs ?? 0,
    rateLimit: options.rateLimit ?? null,
  });
  const url = await server.listen(options.host ?? "127.0.0.1", options.port ?? 0);
  let stopLiveWorld = options.live ? runLiveWorld(world, options.live) : () => {};
  const setLive = (live: { tickMs?: number; speed?: number } | null) => {
    stopLiveWorld();
    stopLiveWorld = live ? runLiveWorld(world, live) : () => {};
  };

  let stopped: Promise<void> | undefined;
  return {
    url,
    token,
    readOnlyToken,
    world,
    counters,
    setLatency: (ms) => server.setLatency(ms),
    setRateLimit: (rateLimit) => server.setRateLimit(rateLimit),
    setFaults: (faultOptions) => faults.configure(faultOptions),
    setLive,
    inject: (fault) => faults.inject(fault),
    stop() {
      stopped ??= (async () => {
        stopLiveWorld();
        await server.close();
      })();
      return stopped;
    },
  };
}

function isWorld(value: World | WorldOptions | undefined): value is World {
  return value !== undefined && "state" in value && typeof (value as Partial<World>).advance === "function";
}

/** Moves simulated time along with real time; unref'd so a forgotten simulator never holds the process open. */
function runLiveWorld(world: World, live: { tickMs?: number; speed?: number }): () => void {
  const tickMs = live.tickMs ?? DEFAULT_TICK_MS;
  const speed = live.speed ?? 1;
  const timer = setInterval(() => world.advance(tickMs * speed), tickMs);
  timer.unref();
  return () => clearInterval(timer);
}
