import type { BreakerStats } from "./breaker.js";
import type { GatePauseStats } from "./gate.js";

/** What the client has done so far: for metrics and for tests. Holds no ids and never the token. */
export interface ClientStats {
  /** Attempts by route template, then by HTTP status (`"200"`) or `"error"` when none came back. */
  requests: Record<string, Record<string, number>>;
  /** Attempts beyond the first, over all requests. */
  retries: number;
  /** Times the shared gate paused because CircleCI asked (429 or an exhausted window), and for how long. */
  rateLimitWaits: GatePauseStats;
  /** Records left out because they did not fit their schema: list items and single reads. */
  rejectedRecords: number;
  /** The circuit breaker: its state, and how often CircleCI failed enough to open it. */
  breaker: BreakerStats;
}

export class StatsRecorder {
  private readonly requests = new Map<string, Map<string, number>>();
  private retries = 0;
  private rejectedRecords = 0;

  request(endpoint: string, status: number | "error"): void {
    const byStatus = this.requests.get(endpoint) ?? new Map<string, number>();
    const key = String(status);
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
    this.requests.set(endpoint, byStatus);
  }

  retry(): void {
    this.retries += 1;
  }

  rejectedRecord(): void {
    this.rejectedRecords += 1;
  }

  snapshot(rateLimitWaits: GatePauseStats, breaker: BreakerStats): ClientStats {
    const requests = Object.fromEntries(
      [...this.requests].map(([endpoint, byStatus]) => [endpoint, Object.fromEntries(byStatus)]),
    );
    return { requests, retries: this.retries, rateLimitWaits, rejectedRecords: this.rejectedRecords, breaker };
  }
}
