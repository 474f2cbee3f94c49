import { Random } from "./random.js";

/** Random faults, drawn from a seeded PRNG so that a failing run can be replayed exactly. */
export interface FaultOptions {
  /** PRNG seed. Default 1. */
  seed?: number;
  /** 0..1: answer 500 `{"message":"Internal server error."}`, and now and then 502 or 503. */
  serverErrorRate?: number;
  /** 0..1: destroy the socket without answering. */
  resetRate?: number;
  /** 0..1: send a valid status and headers, then cut the JSON body midway. */
  truncateRate?: number;
  /** 0..1: answer 200 with an HTML error page, as a misbehaving proxy would. */
  garbageRate?: number;
  /** 0..1: carry the request out (a write takes effect), then destroy the socket instead of answering. */
  lostAnswerRate?: number;
  /** Stream every (otherwise healthy) body slowly over this many ms, to trip body timeouts. */
  slowBodyMs?: number;
  /** Endpoint names (see `RequestCounters.byEndpoint`) the faults apply to. Default: all. */
  only?: string[];
}

/**
 * A deterministic fault for the next `count` (default 1) requests to `endpoint` (default: any).
 * `reset` cuts the connection before the request is carried out; `lost-answer` carries it out (a write
 * takes effect: CircleCI received it) and then cuts the connection, so the answer is lost.
 */
export interface ScriptedFault {
  /**
   * `garbage`: a 200 with an HTML page (a proxy's); `wrong-shape`: a 200 with well-formed JSON that is not the
   * resource (the answer wrapped in an object of its own), as an API that changed its shape would send.
   */
  kind: "429" | "500" | "503" | "reset" | "lost-answer" | "truncate" | "slow" | "garbage" | "wrong-shape";
  endpoint?: string;
  count?: number;
  /** For "429". Default 1. */
  retryAfterSeconds?: number;
  /** For "slow": how long the body takes. Default 1000. */
  slowMs?: number;
}

/** What the server does to one response. */
export type Fault =
  | { kind: "status"; status: 429 | 500 | 502 | 503; retryAfterSeconds?: number }
  | { kind: "reset" }
  | { kind: "lost-answer" }
  | { kind: "truncate" }
  | { kind: "slow"; ms: number }
  | { kind: "garbage" }
  | { kind: "wrong-shape" };

const DEFAULT_SLOW_MS = 1000;
/** Share of random server errors that come out as 502 and 503 (load balancer answers) rather than 500. */
const GATEWAY_ERROR_SHARE = 0.2;

/** Chooses the fault, if any, for each request: scripted faults first, in order, then the random rates. */
export class FaultPlanner {
  #options: FaultOptions = {};
  #random = new Random(1);
  readonly #scripted: { fault: ScriptedFault; remaining: number }[] = [];

  constructor(options: FaultOptions | null = null) {
    this.configure(options);
  }

  configure(options: FaultOptions | null): void {
    this.#options = options ?? {};
    this.#random = new Random(this.#options.seed ?? 1);
  }

  inject(fault: ScriptedFault): void {
    const count = fault.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`fault count must be a positive integer, got ${count}`);
    this.#scripted.push({ fault, remaining: count });
  }

  next(endpoint: string): Fault | undefined {
    const index = this.#scripted.findIndex(({ fault }) => fault.endpoint === undefined || fault.endpoint === endpoint);
    const entry = this.#scripted[index];
    if (entry) {
      entry.remaining -= 1;
      if (entry.remaining === 0) this.#scripted.splice(index, 1);
      return fromScript(entry.fault);
    }
    return this.#draw(endpoint);
  }

  #draw(endpoint: string): Fault | undefined {
    const { serverErrorRate = 0, resetRate = 0, truncateRate = 0, garbageRate = 0, lostAnswerRate = 0, slowBodyMs, only } = this.#options;
    if (only && !only.includes(endpoint)) return undefined;
    // One roll per request while any rate is set, so that a seed replays the same faults.
    const shares: [rate: number, fault: () => Fault][] = [
      [serverErrorRate, () => ({ kind: "status", status: this.#serverErrorStatus() })],
      [resetRate, () => ({ kind: "reset" })],
      [truncateRate, () => ({ kind: "truncate" })],
      [garbageRate, () => ({ kind: "garbage" })],
      [lostAnswerRate, () => ({ kind: "lost-answer" })],
    ];
    if (shares.some(([rate]) => rate > 0)) {
      const roll = this.#random.next();
      let edge = 0;
      for (const [rate, fault] of shares) {
        edge += rate;
        if (roll < edge) return fault();
      }
    }
    return slowBodyMs ? { kind: "slow", ms: slowBodyMs } : undefined;
  }

  #serverErrorStatus(): 500 | 502 | 503 {
    const roll = this.#random.next();
    if (roll >= GATEWAY_ERROR_SHARE) return 500;
    return roll < GATEWAY_ERROR_SHARE / 2 ? 502 : 503;
  }
}

function fromScript(fault: ScriptedFault): Fault {
  switch (fault.kind) {
    case "429":
      return { kind: "status", status: 429, retryAfterSeconds: fault.retryAfterSeconds ?? 1 };
    case "500":
      return { kind: "status", status: 500 };
    case "503":
      return { kind: "status", status: 503 };
    case "slow":
      return { kind: "slow", ms: fault.slowMs ?? DEFAULT_SLOW_MS };
    default:
      return { kind: fault.kind };
  }
}
