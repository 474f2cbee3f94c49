import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { answerOf } from "../support/answer.js";
import { hostileRequests } from "./hostile-requests.js";
import { useTinyServers } from "./tiny-server.js";

const { startServer } = useTinyServers();

const MAX_BODY_BYTES = 100 * 1024;
const REQUESTS = 400;
/** Heap growth allowed after a full collection: far below the bytes the second pass makes the server parse. */
const HEAP_TOLERANCE_BYTES = 2 * 1024 * 1024;
const STATUSES = [200, 400, 405, 413, 415];
const WIDE_LISTS_MAX_COST = 100_000;

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

function heapAfterCollection(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** Sends `REQUESTS` generated requests one after another; returns the statuses seen and the body bytes the server read. */
async function fuzz(url: string, seed: number) {
  const statuses = new Map<string, Set<number>>();
  let bytesRead = 0;
  const requests = hostileRequests(seed, MAX_BODY_BYTES);
  for (let sent = 0; sent < REQUESTS; sent += 1) {
    const request = requests.next().value as ReturnType<typeof requests.next>["value"] & object;
    const response = await fetch(`${url}${request.search ?? ""}`, { method: request.method, headers: request.headers, body: request.body });
    const body = await response.text();
    if (!STATUSES.includes(response.status) || !isGraphQLResponse(body)) {
      throw new Error(`${request.kind} request answered ${response.status}: ${body.slice(0, 300)}`);
    }
    // A body over the limit is refused unread.
    if (response.status !== 413) bytesRead += Buffer.byteLength(request.body ?? "");
    statuses.set(request.kind, (statuses.get(request.kind) ?? new Set()).add(response.status));
  }
  return { statuses, bytesRead };
}

/** A JSON `errors`/`data` object, or a batch of them. */
function isGraphQLResponse(body: string): boolean {
  const parsed = JSON.parse(body) as unknown;
  const results = Array.isArray(parsed) ? parsed : [parsed];
  return results.every((result) => typeof result === "object" && result !== null && ("data" in result || "errors" in result));
}

describe("hostile input", () => {
  it(`${REQUESTS} generated bad requests, twice: each answered with a JSON 2xx/4xx, the server still serves, the heap comes back`, async () => {
    // A cost bound inside the wide lists' range (up to a million objects), so some are refused and the rest run.
    const { url } = await startServer({ maxBodyBytes: MAX_BODY_BYTES, limits: { maxCost: WIDE_LISTS_MAX_COST } });

    // The first pass fills what is meant to fill (Apollo's parsed-document cache, the persisted queries, the JIT);
    // the second, identical one must then leave the heap where it found it.
    const warmUp = await fuzz(url, 6);
    const before = heapAfterCollection();
    const measured = await fuzz(url, 6);
    const after = heapAfterCollection();

    expect(measured.statuses).toEqual(warmUp.statuses);
    expect([...measured.statuses.keys()].length).toBeGreaterThanOrEqual(15);
    expect(measured.statuses.get("oversized")).toEqual(new Set([413]));
    expect(measured.statuses.get("wrong content type")).toEqual(new Set([415]));
    expect(measured.bytesRead).toBeGreaterThan(3 * HEAP_TOLERANCE_BYTES);
    expect(after - before).toBeLessThan(HEAP_TOLERANCE_BYTES);

    const good = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ nested { hello } }" }) });
    expect(await good.json()).toEqual(answerOf({ nested: { hello: "world" } }));
  });
});
