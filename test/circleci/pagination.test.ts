import { describe, expect, it } from "vitest";
import { NotFoundError, PaginationError, RecordRejectedError } from "../../src/circleci/index.js";
import type { RecordRejection } from "../../src/circleci/index.js";
import { recordingLogger, sendJson, useFakeCircleCI } from "./support/fake-circleci.js";
import type { Handler } from "./support/fake-circleci.js";
import { pipeline, uuidFor, workflow, workflowJob } from "./support/resources.js";

const setUp = useFakeCircleCI();

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

/** Serves `pages` (lists of pipeline seeds) in order; `lastPage` says how the last one ends. */
function pagedPipelines(pages: number[][], lastPage: "null" | "absent"): Handler {
  return (_req, res, seen) => {
    const index = Number(seen.query.get("page-token") ?? "0");
    const items = (pages[index] ?? []).map((seed) => pipeline(seed));
    const isLast = index >= pages.length - 1;
    if (!isLast) sendJson(res, 200, { items, next_page_token: String(index + 1) });
    else sendJson(res, 200, lastPage === "null" ? { items, next_page_token: null } : { items });
  };
}

describe("pagination", () => {
  it.each(["null", "absent"] as const)("walks every page and stops when next_page_token is %s", async (lastPage) => {
    const { server, client } = await setUp(pagedPipelines([[5, 4], [3, 2], [1]], lastPage));
    const numbers = (await collect(client.listPipelines("gh/acme/api"))).map((p) => p.number);
    expect(numbers).toEqual([5, 4, 3, 2, 1]);
    expect(server.requests.map((seen) => seen.query.get("page-token"))).toEqual([null, "1", "2"]);
  });

  it("yields pages lazily: breaking after the first page fetches nothing more", async () => {
    const { server, client } = await setUp(pagedPipelines([[5, 4], [3, 2], [1]], "null"));
    for await (const page of client.pipelinePages("gh/acme/api")) {
      expect(page.items.map((p) => p.number)).toEqual([5, 4]);
      break;
    }
    expect(server.requests).toHaveLength(1);
  });

  it("fetches nothing until the iterable is consumed", async () => {
    const { server, client } = await setUp(pagedPipelines([[1]], "null"));
    const pages = client.pipelinePages("gh/acme/api");
    expect(server.requests).toHaveLength(0);
    expect(await collect(pages)).toHaveLength(1);
  });

  it("continues past an empty page that still has a token", async () => {
    const { client } = await setUp(pagedPipelines([[3], [], [1]], "null"));
    const pages = await collect(client.pipelinePages("gh/acme/api"));
    expect(pages.map((page) => page.items.map((p) => p.number))).toEqual([[3], [], [1]]);
  });

  it("ends with a PaginationError when CircleCI repeats a page token, after serving the page", async () => {
    const { server, client } = await setUp((_req, res, seen) => {
      const token = seen.query.get("page-token");
      sendJson(res, 200, { items: [pipeline(token === null ? 2 : 1)], next_page_token: "same" });
    });
    const numbers: number[] = [];
    const walk = (async () => {
      for await (const p of client.listPipelines("gh/acme/api")) numbers.push(p.number);
    })();
    await expect(walk).rejects.toThrow(PaginationError);
    await expect(walk).rejects.toThrow(/GET \/project\/\{slug\}\/pipeline.*same page token|already returned/);
    expect(numbers).toEqual([2, 1]);
    expect(server.requests).toHaveLength(2);
  });

  it("ends with a PaginationError at maxPages, counting empty pages", async () => {
    const { server, client } = await setUp(
      (_req, res, seen) => {
        const index = Number(seen.query.get("page-token") ?? "0");
        sendJson(res, 200, { items: [], next_page_token: String(index + 1) });
      },
      { maxPages: 4 },
    );
    const error = await collect(client.listPipelines("gh/acme/api")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PaginationError);
    expect((error as Error).message).toContain("maxPages (4)");
    expect(server.requests).toHaveLength(4);
  });

  it("restarts once from page 1 when a page token expires (404), skipping ids already yielded", async () => {
    let expired = false;
    const { server, client } = await setUp((_req, res, seen) => {
      const token = seen.query.get("page-token");
      if (token === "stale" && !expired) {
        expired = true;
        sendJson(res, 404, { message: "Not Found" });
        return;
      }
      // A pipeline (6) arrived meanwhile, so page 1 now starts one newer.
      if (token === null && expired) sendJson(res, 200, { items: [pipeline(6), pipeline(5)], next_page_token: "fresh" });
      else if (token === null) sendJson(res, 200, { items: [pipeline(5), pipeline(4)], next_page_token: "stale" });
      else sendJson(res, 200, { items: [pipeline(4), pipeline(3)], next_page_token: null });
    });
    const numbers = (await collect(client.listPipelines("gh/acme/api"))).map((p) => p.number);
    expect(numbers).toEqual([5, 4, 6, 3]);
    expect(server.requests.map((seen) => seen.query.get("page-token"))).toEqual([null, "stale", null, "fresh"]);
  });

  it("fails when the page token expires a second time", async () => {
    const { client } = await setUp((_req, res, seen) => {
      if (seen.query.get("page-token") === null) sendJson(res, 200, { items: [pipeline(2)], next_page_token: "t" });
      else sendJson(res, 404, { message: "Not Found" });
    });
    const error = await collect(client.listPipelines("gh/acme/api")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PaginationError);
    expect((error as PaginationError).status).toBe(404);
  });

  it("does not restart on a 404 for the first page", async () => {
    const { server, client } = await setUp((_req, res) => sendJson(res, 404, { message: "Workflow not found" }));
    const error = await collect(client.listWorkflowJobs("w1")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(server.requests).toHaveLength(1);
  });

  it("leaves out, reports and counts a malformed item while serving the rest of the page", async () => {
    const { logger, lines } = recordingLogger();
    const reported: RecordRejection[] = [];
    const badId = uuidFor(3, 2);
    const { client } = await setUp(
      (_req, res) =>
        sendJson(res, 200, {
          items: [workflowJob(1), workflowJob(2, { dependencies: "not-a-list" }), workflowJob(3), { name: "no id at all" }],
          next_page_token: null,
        }),
      { logger, onRecordRejected: (event) => reported.push(event) },
    );
    const jobs = await collect(client.listWorkflowJobs("w1"));
    expect(jobs.map((job) => job.job_number)).toEqual([1, 3]);
    expect(reported.map((event) => event.endpoint)).toEqual(["GET /workflow/{id}/job", "GET /workflow/{id}/job"]);
    expect(reported.map((event) => event.record)).toEqual([`item ${badId}`, "an item without an id"]);
    expect(reported[0]?.issues).toContain("dependencies");
    expect(client.stats.rejectedRecords).toBe(reported.length);
    expect(lines.some((line) => line.includes(badId) && line.includes('"level":40'))).toBe(true);
  });

  it("reports the rejected count per page", async () => {
    const { client } = await setUp((_req, res) =>
      sendJson(res, 200, { items: [pipeline(2), pipeline(1, { created_at: "yesterday" })], next_page_token: null }),
    );
    const [page] = await collect(client.pipelinePages("gh/acme/api"));
    expect(page?.items.map((p) => p.number)).toEqual([2]);
    expect(page?.rejected).toBe(1);
  });

  it("leaves out a workflow with a null id (ancient pipelines)", async () => {
    const reported: RecordRejection[] = [];
    const { client } = await setUp(
      (_req, res) => sendJson(res, 200, { items: [workflow(1, { id: null }), workflow(2)], next_page_token: null }),
      { onRecordRejected: (event) => reported.push(event) },
    );
    const workflows = await collect(client.listWorkflows("p1"));
    expect(workflows.map((w) => w.id)).toEqual([uuidFor(2, 2)]);
    expect(reported).toEqual([{ endpoint: "GET /pipeline/{id}/workflow", record: "an item without an id", issues: expect.stringContaining("id") }]);
  });

  it("lets unknown enum values and real-world nulls through", async () => {
    const { client } = await setUp((_req, res) =>
      sendJson(res, 200, {
        items: [
          pipeline(1, {
            state: "brand-new-state",
            trigger: { type: "Decoupled Ingestion System", received_at: "2026-01-01T00:00:00Z", actor: { login: "x", avatar_url: null } },
            errors: [{ type: "a-new-kind", message: "boom" }],
            updated_at: undefined,
            vcs: undefined,
            surprise_field: { nested: true },
          }),
        ],
        next_page_token: null,
      }),
    );
    const [p] = await collect(client.listPipelines("gh/acme/api"));
    expect(p?.state).toBe("brand-new-state");
    expect(p?.trigger.type).toBe("Decoupled Ingestion System");
    expect(p?.errors[0]?.type).toBe("a-new-kind");
    expect(p?.vcs).toBeUndefined();
    expect(p).not.toHaveProperty("surprise_field");
  });

  it("fails a page whose envelope is wrong at once, not retried, without yielding items", async () => {
    const { server, client } = await setUp((_req, res) => sendJson(res, 200, { pipelines: [pipeline(1)] }));
    const error = await collect(client.listPipelines("gh/acme/api")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RecordRejectedError);
    expect((error as RecordRejectedError).rejection).toEqual({
      endpoint: "GET /project/{slug}/pipeline",
      record: "a page of the list for project gh/acme/api",
      issues: expect.stringContaining("items"),
    });
    expect(server.requests).toHaveLength(1);
    expect(client.stats.breaker.consecutiveFailures).toBe(0);
  });
});
