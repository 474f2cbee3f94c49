import type { Readable } from "node:stream";
import { Pool } from "undici";
import type { Dispatcher } from "undici";
import type { ResponseHeaders } from "./retry.js";

/**
 * One request over a keep-alive undici `Pool`: timeouts, a body size cap and JSON parsing. It never
 * throws for what the network or CircleCI did; it reports it as an `Exchange`, and the caller's
 * retry policy decides what that means.
 */

export interface TransportOptions {
  /** Scheme + host (+ port) of CircleCI, e.g. `https://circleci.com`. */
  origin: string;
  token: string;
  /** Keep-alive connections in the pool. Default 16. */
  connections?: number;
  /** Default 10 s. */
  connectMs?: number;
  /** Time to the response headers. Default 30 s. */
  headersMs?: number;
  /** Max idle time between body chunks. Default 30 s. */
  bodyMs?: number;
  /** Bodies larger than this are refused. Default 32 MiB. */
  maxBodyBytes?: number;
}

export type Exchange =
  /** CircleCI answered and the body parsed (`body` is `undefined` for an empty or non-JSON error body). */
  | { kind: "response"; status: number; headers: ResponseHeaders; body: unknown }
  /** A 2xx whose body is not JSON: truncated or garbage. */
  | { kind: "invalid-body"; status: number; headers: ResponseHeaders; problem: string }
  | { kind: "too-large"; status: number; headers: ResponseHeaders; maxBodyBytes: number }
  /**
   * No usable HTTP answer: connect/headers/body timeout, reset, refused. `connect`: no connection
   * opened (refused, DNS, connect timeout), so the request provably never left; `exchange`: it was
   * or may have been sent.
   */
  | { kind: "network"; problem: string; phase: "connect" | "exchange" };

/** Failures of opening a connection: nothing of the request was written. */
const CONNECT_ERROR_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

class BodyTooLarge extends Error {}

export class Transport {
  private readonly pool: Pool;
  private readonly token: string;
  private readonly maxBodyBytes: number;

  constructor(options: TransportOptions) {
    this.token = options.token;
    this.maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;
    this.pool = new Pool(options.origin, {
      connections: options.connections ?? 16,
      connect: { timeout: options.connectMs ?? 10_000 },
      headersTimeout: options.headersMs ?? 30_000,
      bodyTimeout: options.bodyMs ?? 30_000,
    });
  }

  /** `path` is already encoded and includes the query string; `body`, when given, is sent as JSON. */
  async request(method: "GET" | "POST", path: string, body?: unknown): Promise<Exchange> {
    const sent: Record<string, string> = { accept: "application/json", "circle-token": this.token };
    if (body !== undefined) sent["content-type"] = "application/json";
    let response: Dispatcher.ResponseData;
    try {
      response = await this.pool.request({ method, path, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      return { kind: "network", problem: describeNetworkFailure(error), phase: isConnectFailure(error) ? "connect" : "exchange" };
    }
    const { statusCode: status, headers } = response;
    let text: string;
    try {
      text = await this.readCapped(response.body, headers);
    } catch (error) {
      if (error instanceof BodyTooLarge) return { kind: "too-large", status, headers, maxBodyBytes: this.maxBodyBytes };
      return { kind: "network", problem: describeNetworkFailure(error), phase: "exchange" };
    }
    const success = status >= 200 && status < 300;
    try {
      return { kind: "response", status, headers, body: text === "" && !success ? undefined : JSON.parse(text) };
    } catch (error) {
      // An error status with an HTML or empty body still tells us what happened: only its status matters.
      if (!success) return { kind: "response", status, headers, body: undefined };
      return { kind: "invalid-body", status, headers, problem: `invalid JSON (${(error as Error).message})` };
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /** Leaving the loop by throwing ends the iteration, which destroys the body and its socket. */
  private async readCapped(body: Readable, headers: ResponseHeaders): Promise<string> {
    const declared = Number(headers["content-length"] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.maxBodyBytes || declared > this.maxBodyBytes) throw new BodyTooLarge();
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
  }
}

/** Whether undici failed to open the connection (its code, or its cause's, says so). */
function isConnectFailure(error: unknown): boolean {
  const codes = [error, (error as { cause?: unknown } | undefined)?.cause].map((candidate) => (candidate as { code?: unknown } | undefined)?.code);
  return codes.some((code) => typeof code === "string" && CONNECT_ERROR_CODES.has(code));
}

/** undici's error codes say more than its messages (`UND_ERR_HEADERS_TIMEOUT`, `ECONNRESET`). */
function describeNetworkFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: { code?: unknown; message?: string } }).cause;
  const detail = typeof cause?.code === "string" ? ` (${cause.code})` : "";
  return typeof code === "string" ? `${code}: ${error.message}${detail}` : `${error.message}${detail}`;
}
