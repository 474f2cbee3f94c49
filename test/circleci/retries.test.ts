import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  BadRequestError,
  CircleCIUnavailableError,
  NetworkError,
  NotFoundError,
  PermissionError,
  RecordRejectedError,
  ResponseFormatError,
  UnexpectedStatusError,
  UpstreamError,
} from "../../src/circleci/index.js";
import type { RecordRejection, RequestEvent } from "../../src/circleci/index.js";
import { delay, recordingLogger, sendJson, TOKEN, useFakeCircleCI } from "./support/fake-circleci.js";
import type { Handler } from "./support/fake-circleci.js";
import { user } from "./support/resources.js";

const setUp = useFakeCircleCI();

/** Answers with `failures` in order, then with a valid user. */
function failingThenUser(failures: Handler[]): Handler {
  return (req, res, seen) => {
    const failure = failures.shift();
    if (failure === undefined) sendJson(res, 200, user());
    else return failure(req, res, seen);
  };
}

const serverError: Handler = (_req, res) => sendJson(res, 503, { message: "Internal server error." });
const reset: Handler = (req) => {
  req.socket.destroy();
};
const truncated: Handler = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
  res.write('{"id": "00000000-0000-4000-8000-0000');
  setTimeout(() => res.destroy(), 5);
};
const garbage: Handler = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end("<html>502 Bad Gateway</html>");
};
const cutShort: Handler = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end('{"id": "00000000-0000-4000-8000-000009000001", "login": "oc');
};

describe("retries", () => {
  it.each([
    ["a 5xx", serverError],
    ["a connection reset", reset],
    ["a body cut off mid-stream", truncated],
    ["a complete but truncated JSON body", cutShort],
    ["a garbage body", garbage],
  ])("retries %s and then succeeds", async (_name, failure) => {
    const events: RequestEvent[] = [];
    const { server, client } = await setUp(failingThenUser([failure, failure]), { onRequest: (event) => events.push(event) });
    expect((await client.me()).login).toBe("octo");
    expect(server.requests).toHaveLength(3);
    expect(client.stats.retries).toBe(2);
    expect(events.map((event) => event.attempt)).toEqual([1, 2, 3]);
    expect(events[2]).toMatchObject({ endpoint: "GET /me", status: 200 });
  });

  it("surfaces persistent 5xx as UpstreamError naming the endpoint, status and attempts", async () => {
    const { server, client } = await setUp(serverError);
    const error = await client.getWorkflow("w1").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    const upstream = error as UpstreamError;
    expect(upstream.status).toBe(503);
    expect(upstream.endpoint).toBe("GET /workflow/{id}");
    expect(upstream.message).toContain("GET /workflow/{id}");
    expect(upstream.message).toContain("503");
    expect(upstream.message).toContain("3 attempts");
    expect(upstream.message).toContain("Internal server error.");
    expect(upstream.message).toContain(upstream.fix);
    expect(server.requests).toHaveLength(3);
    expect(client.stats.requests["GET /workflow/{id}"]).toEqual({ "503": 3 });
  });

  it("surfaces persistent resets as NetworkError", async () => {
    const { server, client } = await setUp(reset);
    const error = await client.me().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toMatch(/GET \/me failed without an HTTP answer on all 3 attempts \(retried with exponential backoff\)/);
    expect((error as NetworkError).status).toBeUndefined();
    expect(server.requests).toHaveLength(3);
    expect(client.stats.requests["GET /me"]).toEqual({ error: 3 });
  });

  it("treats a headers timeout as retryable", async () => {
    const { server, client } = await setUp(
      failingThenUser([
        () => {
          // Never answer: the client's headers timeout must fire.
        },
      ]),
      { timeouts: { headersMs: 150 } },
    );
    expect((await client.me()).login).toBe("octo");
    expect(server.requests).toHaveLength(2);
    expect(client.stats.requests["GET /me"]).toEqual({ error: 1, "200": 1 });
  });

  it("surfaces persistent garbage as ResponseFormatError", async () => {
    const { server, client } = await setUp(garbage);
    const error = await client.me().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResponseFormatError);
    expect((error as Error).message).toContain("invalid JSON");
    expect(server.requests).toHaveLength(3);
  });

  it("refuses a body over maxBodyBytes without retrying", async () => {
    const { server, client } = await setUp((_req, res) => sendJson(res, 200, { ...user(), padding: "x".repeat(5000) }), {
      maxBodyBytes: 1024,
    });
    const error = await client.me().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResponseFormatError);
    expect((error as Error).message).toContain("maxBodyBytes (1024)");
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [400, BadRequestError, "context_id is invalid."],
    [401, AuthenticationError, "Invalid token provided."],
    [403, PermissionError, "Permission denied."],
    [404, NotFoundError, "Workflow not found"],
    [409, UnexpectedStatusError, "Conflict"],
  ] as const)("does not retry a %i", async (status, errorClass, message) => {
    const { server, client } = await setUp((_req, res) => sendJson(res, status, { message }));
    const error = await client.getWorkflow("w1").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(errorClass);
    expect((error as { status?: number }).status).toBe(status);
    expect(server.requests).toHaveLength(1);
    expect(client.stats.retries).toBe(0);
  });

  it("does not retry a 200 whose document does not fit the resource: it rejects the record, with a stable code", async () => {
    const { logger, lines } = recordingLogger();
    const rejected: RecordRejection[] = [];
    const { server, client } = await setUp((_req, res) => sendJson(res, 200, { id: "not-a-uuid", secret_field: "s3cr3t-value" }), {
      logger,
      onRecordRejected: (rejection) => rejected.push(rejection),
    });
    const error = await client.getPipeline("p1").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RecordRejectedError);
    const rejection = error as RecordRejectedError;
    expect(rejection.code).toBe("CIRCLECI_RECORD_REJECTED");
    expect(rejection.status).toBe(200);
    expect(rejection.message).toMatch(/^CircleCI answered GET \/pipeline\/\{id\} with pipeline p1 in a shape the gateway cannot read \(id: .*number: .*\); it is left out and not retried\./);
    expect(rejected).toEqual([rejection.rejection]);
    expect(server.requests).toHaveLength(1);
    expect(client.stats.retries).toBe(0);
    expect(client.stats.rejectedRecords).toBe(1);
    expect(client.stats.breaker.consecutiveFailures).toBe(0);
    // Logged with the failing paths, never a value from the body.
    expect(lines.filter((line) => line.includes("does not fit its schema"))).toHaveLength(1);
    expect(lines.join("")).not.toContain("s3cr3t-value");
    expect(lines.join("")).not.toContain("not-a-uuid");
  });

  it("logs a record that keeps failing the same way at warn level once, then at debug level", async () => {
    const { logger, lines } = recordingLogger();
    const { client } = await setUp((_req, res) => sendJson(res, 200, { id: "not-a-uuid" }), { logger });
    for (let read = 0; read < 3; read++) await expect(client.getPipeline("p1")).rejects.toBeInstanceOf(RecordRejectedError);
    await expect(client.getPipeline("p2")).rejects.toBeInstanceOf(RecordRejectedError);
    const levels = lines
      .map((line) => JSON.parse(line) as { level: number; msg: string; record?: string })
      .filter((line) => line.msg.includes("does not fit its schema"))
      .map((line) => `${line.record} ${line.level}`);
    expect(levels).toEqual(["pipeline p1 40", "pipeline p1 20", "pipeline p1 20", "pipeline p2 40"]);
  });

  it("never opens the breaker on rejected records, however many", async () => {
    const { client } = await setUp((_req, res) => sendJson(res, 200, { id: "not-a-uuid" }), { breaker: { failureThreshold: 2 } });
    for (let read = 0; read < 5; read++) await expect(client.getWorkflow(`w${read}`)).rejects.toBeInstanceOf(RecordRejectedError);
    expect(client.stats.breaker).toEqual({ state: "closed", opens: 0, consecutiveFailures: 0 });
  });
});

describe("retries and the circuit breaker", () => {
  it("a request still retrying stops once other requests have opened the breaker", async () => {
    // The workflow never answers (each attempt waits for the headers timeout); /me fails at once.
    const { server, client } = await setUp(
      (req, res) => {
        if (req.url === "/api/v2/me") sendJson(res, 503, { message: "Internal server error." });
      },
      { retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 }, timeouts: { headersMs: 100 }, breaker: { failureThreshold: 1, cooldownMs: 60_000 } },
    );
    const slow = client.getWorkflow("w1").catch((caught: unknown) => caught);
    await expect(client.me()).rejects.toBeInstanceOf(UpstreamError);
    const stopped = await slow;
    expect(stopped).toBeInstanceOf(CircleCIUnavailableError);
    expect((stopped as Error).message).toMatch(/failed 1 request in a row \(last: GET \/me: 503 Service Unavailable\), so GET \/workflow\/\{id\} was not sent/);
    expect(server.requests.map((request) => request.path)).toEqual(["/api/v2/workflow/w1", "/api/v2/me", "/api/v2/me", "/api/v2/me", "/api/v2/me"]);
  });

  it("logs when the breaker opens and when CircleCI answers again, without the token", async () => {
    const { logger, lines } = recordingLogger();
    const { client } = await setUp(failingThenUser([serverError]), {
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 5 },
      breaker: { failureThreshold: 1, cooldownMs: 30 },
      logger,
    });
    await expect(client.me()).rejects.toBeInstanceOf(UpstreamError);
    await delay(50);
    expect((await client.me()).login).toBe("octo");
    const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages.filter((message) => message.includes("circuit breaker"))).toEqual([
      "CircleCI keeps failing: circuit breaker open, calls paused",
      "CircleCI answers again: circuit breaker closed, calls resume",
    ]);
    expect(lines.find((line) => line.includes("circuit breaker open"))).toContain("GET /me: 503 Service Unavailable");
    expect(lines.join("")).not.toContain(TOKEN);
  });
});
