import type { OutgoingHttpHeaders, ServerResponse } from "node:http";

/** Answers hold live, per-deployment data: no shared cache may keep them. */
const NO_STORE = "no-store";

/** Sends `body` (already serialized JSON) with `status`. */
export function sendJsonBytes(response: ServerResponse, status: number, body: Buffer, headers: OutgoingHttpHeaders = {}): void {
  response.writeHead(status, { ...headers, "content-type": "application/json; charset=utf-8", "content-length": body.length, "cache-control": NO_STORE });
  response.end(body);
}

/** A refusal as GraphQL over HTTP writes one: a JSON `errors` list with a message that says what to fix and a code. */
export function sendError(response: ServerResponse, status: number, message: string, code: string, headers: OutgoingHttpHeaders = {}): void {
  sendJsonBytes(response, status, Buffer.from(JSON.stringify({ errors: [{ message, extensions: { code } }] })), headers);
}

export function sendHtml(response: ServerResponse, html: string): void {
  const body = Buffer.from(html);
  response.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": body.length, "cache-control": NO_STORE });
  response.end(body);
}
