/** What the simulator saw, for tests and benchmarks that assert call counts ("none twice"). */
export interface RequestCounters {
  /** Requests received, whatever became of them. */
  total(): number;
  /** Endpoint name (route template, e.g. `GET /project/{slug}/pipeline`) => requests. */
  byEndpoint(): Record<string, number>;
  /**
   * Outcome => requests: the status code (`"200"`, `"404"`, `"429"`...); `"reset"` / `"truncated"` /
   * `"lost-answer"` for connections the simulator cut on purpose; `"aborted"` when the client hung up
   * before the end.
   */
  byStatus(): Record<string, number>;
  /**
   * The bodies of the requests to `endpoint` that carry one (every method but GET), as sent, in the
   * order they arrived: an empty string for a POST without a body.
   */
  bodies(endpoint: string): string[];
  /** Requests being served right now. */
  inFlight(): number;
  /** Highest `inFlight()` since start or the last reset: proves requests are served concurrently. */
  maxInFlight(): number;
  reset(): void;
}

/** The recording side, used by the server only. */
export interface RequestRecorder {
  received(endpoint: string): void;
  bodyReceived(endpoint: string, body: string): void;
  finished(outcome: string): void;
}

export function createRequestCounters(): RequestCounters & RequestRecorder {
  let total = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let byEndpoint = new Map<string, number>();
  let byStatus = new Map<string, number>();
  let bodies = new Map<string, string[]>();
  const bump = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

  return {
    received(endpoint) {
      total += 1;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      bump(byEndpoint, endpoint);
    },
    bodyReceived(endpoint, body) {
      bodies.set(endpoint, [...(bodies.get(endpoint) ?? []), body]);
    },
    finished(outcome) {
      inFlight -= 1;
      bump(byStatus, outcome);
    },
    total: () => total,
    byEndpoint: () => Object.fromEntries(byEndpoint),
    byStatus: () => Object.fromEntries(byStatus),
    bodies: (endpoint) => [...(bodies.get(endpoint) ?? [])],
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    reset() {
      total = 0;
      maxInFlight = inFlight;
      byEndpoint = new Map();
      byStatus = new Map();
      bodies = new Map();
    },
  };
}
