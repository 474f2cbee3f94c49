import type { IncomingMessage } from "node:http";

export type BodyRead = { ok: true; text: string } | { ok: false; message: string } | { ok: false; aborted: true };

/** "request body of 204800 bytes exceeds the maximum of 102400 bytes (HTTP_MAX_BODY_BYTES)"; the size when known. */
export function bodyTooLargeMessage(length: number | undefined, limit: number, setting: string | undefined): string {
  const size = length === undefined ? "request body" : `request body of ${length} bytes`;
  return `${size} exceeds the maximum of ${limit} bytes${setting === undefined ? "" : ` (${setting})`}`;
}

/**
 * The body as UTF-8 text, or why it is refused: over `maxBytes`. A declared length over the limit is refused
 * before a byte is read (Node discards the rest); a body that turns out longer is read to its end but not kept,
 * so the connection stays usable. A client that goes away before the end has nothing left to answer: `aborted`.
 */
export function readBody(request: IncomingMessage, maxBytes: number, setting: string): Promise<BodyRead> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve({ ok: false, message: bodyTooLargeMessage(declared, maxBytes, setting) });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    request.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received <= maxBytes) chunks.push(chunk);
    });
    request.once("end", () => {
      if (received > maxBytes) resolve({ ok: false, message: bodyTooLargeMessage(undefined, maxBytes, setting) });
      else resolve({ ok: true, text: Buffer.concat(chunks, received).toString("utf8") });
    });
    // After `end`, these settle nothing: a promise resolves once.
    request.once("close", () => resolve({ ok: false, aborted: true }));
    request.once("error", () => resolve({ ok: false, aborted: true }));
  });
}
