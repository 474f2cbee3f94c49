/**
 * A client that keeps asking one gateway the same GraphQL request, one at a time, each with a deadline,
 * and records how every request ended: for the fault tests' "no request hung, every answer accounted for".
 */
export interface QueryOutcome {
  /** Epoch ms when the request was sent. */
  sentAt: number;
  elapsedMs: number;
  /** The HTTP status; absent when no answer came (connection refused or reset, or the deadline passed). */
  status?: number;
  /** `extensions.code` of each GraphQL error in the answer. */
  errorCodes: string[];
  /** Why no answer came, e.g. `TimeoutError` once the deadline passed. */
  failure?: string;
}

export interface QueryLoop {
  readonly outcomes: readonly QueryOutcome[];
  /** Sends no further request and resolves once the one in flight has ended. */
  stop(): Promise<void>;
}

export interface QueryLoopOptions {
  url: string;
  /** The JSON request body, e.g. `{ query, variables }`. */
  body: unknown;
  /** A request still unanswered after this long is aborted and counts as hung. */
  deadlineMs: number;
  /** Pause between one answer and the next request, so the loop is a steady client, not a load test. */
  pauseMs: number;
}

export function startQueryLoop(options: QueryLoopOptions): QueryLoop {
  const outcomes: QueryOutcome[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      outcomes.push(await send(options));
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  })();
  return {
    outcomes,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

async function send({ url, body, deadlineMs }: QueryLoopOptions): Promise<QueryOutcome> {
  const sentAt = Date.now();
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(deadlineMs),
    });
    const answer = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    const errorCodes = (answer.errors ?? []).map((error) => error.extensions?.code ?? "NO_CODE");
    return { sentAt, elapsedMs: Date.now() - sentAt, status: response.status, errorCodes };
  } catch (error) {
    return { sentAt, elapsedMs: Date.now() - sentAt, errorCodes: [], failure: (error as Error).name };
  }
}

/** Whether a request ran into its deadline (the fetch was aborted by its timeout signal). */
export const hung = (outcome: QueryOutcome): boolean => outcome.failure === "TimeoutError";
