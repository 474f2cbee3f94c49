import type { ServerResponse } from "node:http";
import type { Fault } from "./faults.js";
import type { Reply } from "./router.js";

/** A proxy's error page served as a 200: what a client gets when something between it and CircleCI misbehaves. */
const GARBAGE_BODY = "<html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>";

/** How many writes a slow body is dribbled in. */
const SLOW_CHUNKS = 10;

export type DeliveryOutcome = "sent" | "truncated";

/**
 * Writes a reply, mangled as the fault says. Headers always promise the whole body (its full
 * content-length), so a truncated body is a broken response, never a shorter valid one.
 */
export function deliver(res: ServerResponse, reply: Reply, fault: Fault | undefined): DeliveryOutcome {
  const sent = mangled(reply, fault);
  const body = Buffer.from(sent.body);
  res.writeHead(sent.status, { ...reply.headers, "content-type": sent.contentType, "content-length": String(body.length) });
  switch (fault?.kind) {
    case "truncate":
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
      return "truncated";
    case "slow":
      dribble(res, body, fault.ms);
      return "sent";
    default:
      res.end(body);
      return "sent";
  }
}

function mangled(reply: Reply, fault: Fault | undefined): Reply {
  switch (fault?.kind) {
    case "garbage":
      return { ...reply, status: 200, contentType: "text/html; charset=utf-8", body: GARBAGE_BODY };
    case "wrong-shape":
      return { ...reply, status: 200, contentType: "application/json", body: wrapped(reply) };
    default:
      return reply;
  }
}

/** The answer inside an object of its own: `{"result": <the answer>}` (a text answer as a JSON string). */
function wrapped(reply: Reply): string {
  return reply.contentType.startsWith("application/json") ? `{"result":${reply.body}}` : JSON.stringify({ result: reply.body });
}

function dribble(res: ServerResponse, body: Buffer, totalMs: number): void {
  const chunkSize = Math.max(1, Math.ceil(body.length / SLOW_CHUNKS));
  const chunks = Math.ceil(body.length / chunkSize);
  const interval = totalMs / Math.max(1, chunks);
  let offset = 0;
  const writeNext = () => {
    if (res.destroyed) return;
    const chunk = body.subarray(offset, offset + chunkSize);
    offset += chunkSize;
    if (offset >= body.length) res.end(chunk);
    else {
      res.write(chunk);
      setTimeout(writeNext, interval);
    }
  };
  setTimeout(writeNext, interval);
}
