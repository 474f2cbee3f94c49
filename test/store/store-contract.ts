import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Pipeline } from "../../src/circleci/index.js";
import { StoreClosedError } from "../../src/store/errors.js";
import { stagedBatchId } from "../../src/store/outbox.js";
import type { Store, StoredContext, StreamStatusRecord } from "../../src/store/store.js";
import { PROJECT, at, idOf, job, pipeline, workflow, worldDocuments, writeWorldDocuments, type WorldDocuments } from "./fixtures.js";

/**
 * The behaviour every `Store` shares, run against each implementation. `createStore` must return a store
 * that sees no data but its own (a fresh object, or a fresh key prefix on a shared Redis).
 */
export function storeContract(name: string, createStore: () => Store | Promise<Store>): void {
  describe(`${name}: the Store contract`, () => {
    let store: Store;
    const world: WorldDocuments = worldDocuments();

    beforeEach(async () => {
      store = await createStore();
    });

    afterEach(async () => {
      await store.close();
    });

    const writeWorld = () => writeWorldDocuments(store, world);

    /** Every page of a listing, walked with `after` cursors. */
    async function walk(projectSlug: string, first: number, branch?: string): Promise<string[][]> {
      const pages: string[][] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.listPipelineIds(projectSlug, { first, after, branch });
        pages.push(page.ids);
        if (!page.hasMore) return pages;
        after = page.ids.at(-1);
      }
    }

    /** The order the contract promises, computed independently: created_at descending, then id descending. */
    function newestFirst(pipelines: readonly Pipeline[]): string[] {
      return [...pipelines]
        .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .map((p) => p.id);
    }

    describe("documents", () => {
      it("round-trips every document of a simulated world unchanged, optional fields absent staying absent", async () => {
        await writeWorld();
        expect(await store.getProjects(world.projects.map((p) => p.slug))).toStrictEqual(world.projects);
        expect(await store.getPipelines(world.pipelines.map((p) => p.id))).toStrictEqual(world.pipelines);
        expect(await store.getWorkflows(world.workflows.map((w) => w.id))).toStrictEqual(world.workflows);
        const jobs = [...new Map([...world.jobsByWorkflow.values()].flat().map((j) => [j.id, j])).values()];
        expect(await store.getJobs(jobs.map((j) => j.id))).toStrictEqual(jobs);
        expect(await store.getJobRecords(world.jobRecords)).toStrictEqual(world.jobRecords);
        const byNameThenId = (a: StoredContext, b: StoredContext) => (a.name === b.name ? (a.id < b.id ? -1 : 1) : a.name < b.name ? -1 : 1);
        expect(await store.listContexts()).toStrictEqual([...world.contexts].sort(byNameThenId));
      });

      it("keeps a document without its optional fields free of them (no nulls or undefined keys appear)", async () => {
        const bare = pipelineWithoutVcs();
        await store.putPipelines([bare]);
        const [stored] = await store.getPipelines([bare.id]);
        expect(stored).toStrictEqual(bare);
        expect(Object.keys(stored ?? {})).not.toContain("vcs");
        expect(Object.keys(stored ?? {})).not.toContain("updated_at");
      });

      it("answers undefined at the position of each missing key and follows the key order, duplicates included", async () => {
        const [a, b] = [pipeline(1, at(1)), pipeline(2, at(2))];
        await store.putPipelines([a, b]);
        expect(await store.getPipelines([b.id, "missing", a.id, b.id])).toStrictEqual([b, undefined, a, b]);
        expect(await store.getWorkflows(["missing", "missing"])).toStrictEqual([undefined, undefined]);
        expect(await store.getJobs([idOf(99)])).toStrictEqual([undefined]);
        expect(await store.getProjects(["gh/acme/none"])).toStrictEqual([undefined]);
        expect(await store.getJobRecords([{ projectSlug: PROJECT, number: 404 }])).toStrictEqual([undefined]);
        expect(await store.getPipelines([])).toStrictEqual([]);
      });

      it("hands out copies: neither the written object nor a read result can change what is stored", async () => {
        const written = pipeline(1, at(1));
        const original = structuredClone(written);
        await store.putPipelines([written]);
        written.state = "errored";
        const [read] = await store.getPipelines([written.id]);
        if (read === undefined) throw new Error("pipeline not stored");
        read.number = 1000;
        expect(await store.getPipelines([written.id])).toStrictEqual([original]);
      });

      it("upserts: the latest write of a document wins, and writing the same batch twice changes nothing", async () => {
        await writeWorld();
        await writeWorld();
        const [first] = world.pipelines;
        if (first === undefined) throw new Error("empty world");
        await store.putPipelines([{ ...first, state: "errored" }]);
        expect((await store.getPipelines([first.id]))[0]?.state).toBe("errored");
        const slug = first.project_slug;
        const expected = newestFirst(world.pipelines.filter((p) => p.project_slug === slug));
        expect((await walk(slug, 100)).flat()).toStrictEqual(expected);
        expect((await store.workflowIdsOf([first.id]))[0]).toHaveLength(
          world.workflows.filter((w) => w.pipeline_id === first.id).length,
        );
        expect(await store.listContexts()).toHaveLength(world.contexts.length);
      });
    });

    describe("projects", () => {
      it("lists every project by slug, including one known only by its slug while unreachable", async () => {
        const [known] = world.projects;
        if (known === undefined) throw new Error("empty world");
        const unreachable = { slug: "bb/acme/gone", unreachable: { since: at(5), message: "Not Found" } };
        await store.putProjects([known, unreachable, { slug: "circleci/a/b" }]);
        expect((await store.listProjects()).map((p) => p.slug)).toStrictEqual(["bb/acme/gone", "circleci/a/b", known.slug]);
        expect(await store.getProjects(["bb/acme/gone"])).toStrictEqual([unreachable]);
      });

      it("replaces a project's record as a whole", async () => {
        const [known] = world.projects;
        if (known === undefined) throw new Error("empty world");
        await store.putProjects([known]);
        const marked = { ...known, unreachable: { since: at(1), message: "Not Found" } };
        await store.putProjects([marked]);
        expect(await store.getProjects([known.slug])).toStrictEqual([marked]);
        await store.putProjects([known]);
        expect(await store.getProjects([known.slug])).toStrictEqual([known]);
      });
    });

    describe("pipeline listing", () => {
      it("lists a simulated project newest first, page after page, without repeats or gaps", async () => {
        await writeWorld();
        for (const { slug } of world.projects) {
          const expected = newestFirst(world.pipelines.filter((p) => p.project_slug === slug));
          const pages = await walk(slug, 5);
          expect(pages.flat()).toStrictEqual(expected);
          expect(pages.slice(0, -1).every((page) => page.length === 5)).toBe(true);
        }
      });

      it("filters by branch; tag pipelines are in the project listing only", async () => {
        const pipelines = [
          pipeline(1, at(1), { branch: "main" }),
          pipeline(2, at(2), { branch: "feature/x" }),
          pipeline(3, at(3), { branch: null }),
          pipeline(4, at(4), { branch: "main" }),
          pipeline(5, at(5), { branch: "main", project: "gh/acme/other" }),
        ];
        await store.putPipelines(pipelines);
        expect((await walk(PROJECT, 10)).flat()).toStrictEqual([idOf(4), idOf(3), idOf(2), idOf(1)]);
        expect((await walk(PROJECT, 10, "main")).flat()).toStrictEqual([idOf(4), idOf(1)]);
        expect((await walk(PROJECT, 1, "main")).flat()).toStrictEqual([idOf(4), idOf(1)]);
        expect((await walk(PROJECT, 10, "feature/x")).flat()).toStrictEqual([idOf(2)]);
        expect(await store.listPipelineIds(PROJECT, { first: 10, branch: "v3" })).toStrictEqual({ ids: [], hasMore: false });
        expect((await walk("gh/acme/other", 10)).flat()).toStrictEqual([idOf(5)]);
        expect(await store.listPipelineIds("gh/acme/none", { first: 10 })).toStrictEqual({ ids: [], hasMore: false });
      });

      it("breaks ties on created_at by id, descending, also across page boundaries", async () => {
        await store.putPipelines([pipeline(2, at(5)), pipeline(9, at(5)), pipeline(5, at(5)), pipeline(1, at(6)), pipeline(7, at(4))]);
        const expected = [idOf(1), idOf(9), idOf(5), idOf(2), idOf(7)];
        expect((await walk(PROJECT, 10)).flat()).toStrictEqual(expected);
        expect(await walk(PROJECT, 1)).toStrictEqual(expected.map((id) => [id]));
        expect(await walk(PROJECT, 2)).toStrictEqual([expected.slice(0, 2), expected.slice(2, 4), expected.slice(4)]);
      });

      it("keeps pages after a cursor stable while newer pipelines arrive", async () => {
        await store.putPipelines(Array.from({ length: 6 }, (_, i) => pipeline(10 + i, at(10 + i))));
        const firstPage = await store.listPipelineIds(PROJECT, { first: 3 });
        expect(firstPage).toStrictEqual({ ids: [idOf(15), idOf(14), idOf(13)], hasMore: true });
        await store.putPipelines([pipeline(30, at(30)), pipeline(31, at(31)), pipeline(20, at(13))]);
        const secondPage = await store.listPipelineIds(PROJECT, { first: 3, after: idOf(13) });
        expect(secondPage).toStrictEqual({ ids: [idOf(12), idOf(11), idOf(10)], hasMore: false });
        expect((await store.listPipelineIds(PROJECT, { first: 3 })).ids).toStrictEqual([idOf(31), idOf(30), idOf(15)]);
      });

      it("reports hasMore exactly at the boundaries", async () => {
        await store.putPipelines([pipeline(1, at(1)), pipeline(2, at(2)), pipeline(3, at(3))]);
        expect(await store.listPipelineIds(PROJECT, { first: 3 })).toStrictEqual({ ids: [idOf(3), idOf(2), idOf(1)], hasMore: false });
        expect(await store.listPipelineIds(PROJECT, { first: 2 })).toStrictEqual({ ids: [idOf(3), idOf(2)], hasMore: true });
        expect(await store.listPipelineIds(PROJECT, { first: 2, after: idOf(2) })).toStrictEqual({ ids: [idOf(1)], hasMore: false });
        expect(await store.listPipelineIds(PROJECT, { first: 1, after: idOf(2) })).toStrictEqual({ ids: [idOf(1)], hasMore: false });
        expect(await store.listPipelineIds(PROJECT, { first: 5, after: idOf(1) })).toStrictEqual({ ids: [], hasMore: false });
        expect(await store.listPipelineIds(PROJECT, { first: 0 })).toStrictEqual({ ids: [], hasMore: true });
        expect(await store.listPipelineIds(PROJECT, { first: 0, after: idOf(1) })).toStrictEqual({ ids: [], hasMore: false });
      });

      it("answers an empty last page for a cursor it does not hold (unknown id, or not on this branch)", async () => {
        await store.putPipelines([pipeline(1, at(1)), pipeline(2, at(2), { branch: "dev" })]);
        expect(await store.listPipelineIds(PROJECT, { first: 5, after: idOf(77) })).toStrictEqual({ ids: [], hasMore: false });
        expect(await store.listPipelineIds(PROJECT, { first: 5, after: idOf(2), branch: "main" })).toStrictEqual({ ids: [], hasMore: false });
      });

      it("rejects a page size that is not a non-negative integer", async () => {
        await expect(store.listPipelineIds(PROJECT, { first: -1 })).rejects.toThrow(RangeError);
        await expect(store.listPipelineIds(PROJECT, { first: 1.5 })).rejects.toThrow(RangeError);
      });
    });

    describe("workflows and jobs", () => {
      it("lists the workflows of each pipeline oldest first (reruns after what they rerun), ties by id", async () => {
        const [p1, p2] = [idOf(1), idOf(2)];
        await store.putWorkflows([workflow(30, p1, at(3)), workflow(10, p1, at(1)), workflow(22, p1, at(2)), workflow(21, p1, at(2))]);
        await store.putWorkflows([workflow(40, p2, at(1))]);
        expect(await store.workflowIdsOf([p1, idOf(3), p2, p1])).toStrictEqual([
          [idOf(10), idOf(21), idOf(22), idOf(30)],
          [],
          [idOf(40)],
          [idOf(10), idOf(21), idOf(22), idOf(30)],
        ]);
      });

      it("links the workflows of a simulated world to their pipelines", async () => {
        await writeWorld();
        const pipelineIds = world.pipelines.map((p) => p.id);
        const lists = await store.workflowIdsOf(pipelineIds);
        lists.forEach((ids, i) => {
          const own = world.workflows.filter((w) => w.pipeline_id === pipelineIds[i]).map((w) => w.id);
          expect([...ids].sort()).toStrictEqual([...own].sort());
        });
        const workflows = await store.getWorkflows(lists.flat());
        for (let i = 1; i < workflows.length; i++) {
          const [previous, current] = [workflows[i - 1], workflows[i]];
          if (previous?.pipeline_id === current?.pipeline_id) {
            expect(Date.parse(previous?.created_at ?? "")).toBeLessThanOrEqual(Date.parse(current?.created_at ?? ""));
          }
        }
      });

      it("reads the workflows of stored pipelines in one call: a list only where the pipeline itself is stored", async () => {
        const [withWorkflows, errored, unstored] = [pipeline(1, at(1)), pipeline(2, at(2)), pipeline(3, at(3))];
        await store.putWorkflows([workflow(30, withWorkflows.id, at(3)), workflow(10, withWorkflows.id, at(1)), workflow(40, unstored.id, at(4))]);
        await store.putPipelines([withWorkflows, errored]);
        expect(await store.getWorkflowsOf([withWorkflows.id, errored.id, unstored.id, withWorkflows.id])).toStrictEqual([
          [workflow(10, withWorkflows.id, at(1)), workflow(30, withWorkflows.id, at(3))],
          [],
          undefined,
          [workflow(10, withWorkflows.id, at(1)), workflow(30, withWorkflows.id, at(3))],
        ]);
        expect(await store.getWorkflowsOf([])).toStrictEqual([]);
      });

      it("reads the jobs of stored workflows in one call: a list only where the workflow itself is stored", async () => {
        const [stored, bare, unstored] = [workflow(100, idOf(1), at(1)), workflow(200, idOf(1), at(2)), workflow(300, idOf(1), at(3))];
        await store.putWorkflowJobs(new Map([[stored.id, [job(3), job(1)]], [unstored.id, [job(2)]]]));
        await store.putWorkflows([stored, bare]);
        expect(await store.getJobsOf([stored.id, bare.id, unstored.id])).toStrictEqual([[job(3), job(1)], [], undefined]);
        expect(await store.getJobsOf([])).toStrictEqual([]);
      });

      it("reads a simulated world's trees as the id lists and documents would give them", async () => {
        await writeWorld();
        const pipelineIds = world.pipelines.map((p) => p.id);
        const workflowLists = await store.workflowIdsOf(pipelineIds);
        const expectedWorkflows = await Promise.all(workflowLists.map((ids) => store.getWorkflows(ids)));
        expect(await store.getWorkflowsOf(pipelineIds)).toStrictEqual(expectedWorkflows);
        const workflowIds = world.workflows.map((w) => w.id);
        const jobLists = await store.jobIdsOf(workflowIds);
        const expectedJobs = await Promise.all(jobLists.map((ids) => store.getJobs(ids)));
        expect(await store.getJobsOf(workflowIds)).toStrictEqual(expectedJobs);
      });

      it("keeps each workflow's jobs in the given order and replaces the list on every write", async () => {
        const [w1, w2] = [idOf(100), idOf(200)];
        await store.putWorkflowJobs(new Map([[w1, [job(3), job(1), job(2)]]]));
        expect(await store.jobIdsOf([w1, w2])).toStrictEqual([[idOf(3), idOf(1), idOf(2)], []]);
        await store.putWorkflowJobs(new Map([[w1, [job(2, "failed"), job(4)]]]));
        expect(await store.jobIdsOf([w1])).toStrictEqual([[idOf(2), idOf(4)]]);
        expect(await store.getJobs([idOf(2), idOf(4)])).toStrictEqual([job(2, "failed"), job(4)]);
        await store.putWorkflowJobs(new Map([[w1, []]]));
        expect(await store.jobIdsOf([w1])).toStrictEqual([[]]);
      });

      it("keeps the link per workflow for a job carried over by a rerun", async () => {
        const [original, rerun] = [idOf(100), idOf(200)];
        await store.putWorkflowJobs(new Map([[original, [job(1), job(2, "failed")]]]));
        await store.putWorkflowJobs(new Map([[rerun, [job(1), job(3)]]]));
        expect(await store.jobIdsOf([original, rerun])).toStrictEqual([
          [idOf(1), idOf(2)],
          [idOf(1), idOf(3)],
        ]);
        await store.putWorkflowJobs(new Map([[rerun, [job(3)]]]));
        expect(await store.jobIdsOf([original, rerun])).toStrictEqual([[idOf(1), idOf(2)], [idOf(3)]]);
        expect(await store.getJobs([idOf(1)])).toStrictEqual([job(1)]);
      });

      it("stores the jobs of a simulated world per workflow", async () => {
        await writeWorld();
        const workflowIds = [...world.jobsByWorkflow.keys()];
        const lists = await store.jobIdsOf(workflowIds);
        expect(lists).toStrictEqual(workflowIds.map((id) => (world.jobsByWorkflow.get(id) ?? []).map((j) => j.id)));
      });
    });

    describe("job records", () => {
      it("keys records by project and number, with and without steps", async () => {
        const withSteps = world.jobRecords.find((r) => r.steps !== undefined);
        const other = world.jobRecords.find((r) => r !== withSteps);
        if (withSteps === undefined || other === undefined) throw new Error("world has too few job records");
        const withoutSteps = { projectSlug: other.projectSlug, number: other.number, details: other.details };
        await store.putJobRecords([withSteps, withoutSteps]);
        const otherProject = { projectSlug: "gh/acme/none", number: withSteps.number };
        expect(await store.getJobRecords([otherProject, withoutSteps, withSteps])).toStrictEqual([undefined, withoutSteps, withSteps]);
      });
    });

    describe("contexts", () => {
      it("holds exactly the contexts of the latest full refresh", async () => {
        await store.replaceContexts(world.contexts);
        const [kept, ...gone] = world.contexts;
        if (kept === undefined || gone.length === 0) throw new Error("world needs two contexts");
        const renamed: StoredContext = { ...kept, name: "renamed", environment_variables: [] };
        await store.replaceContexts([renamed]);
        expect(await store.listContexts()).toStrictEqual([renamed]);
        await store.replaceContexts([]);
        expect(await store.listContexts()).toStrictEqual([]);
      });

      it("lists contexts by name, then id", async () => {
        const context = (n: number, name: string): StoredContext => ({ id: idOf(n), name, created_at: at(n), environment_variables: [] });
        await store.replaceContexts([context(3, "b"), context(2, "a"), context(1, "b")]);
        expect((await store.listContexts()).map((c) => c.id)).toStrictEqual([idOf(2), idOf(1), idOf(3)]);
      });
    });

    describe("active pipelines", () => {
      it("adds, moves and removes pipelines; removing an unknown id does nothing", async () => {
        expect(await store.listActivePipelines()).toStrictEqual([]);
        await store.setActivePipelines({
          add: [
            { id: idOf(2), projectSlug: "gh/b/b" },
            { id: idOf(1), projectSlug: "gh/b/b" },
            { id: idOf(3), projectSlug: "gh/a/a" },
          ],
        });
        expect(await store.listActivePipelines()).toStrictEqual([
          { id: idOf(3), projectSlug: "gh/a/a" },
          { id: idOf(1), projectSlug: "gh/b/b" },
          { id: idOf(2), projectSlug: "gh/b/b" },
        ]);
        await store.setActivePipelines({ remove: [idOf(1), idOf(9)], add: [{ id: idOf(4), projectSlug: "gh/a/a" }] });
        await store.setActivePipelines({});
        expect(await store.listActivePipelines()).toStrictEqual([
          { id: idOf(3), projectSlug: "gh/a/a" },
          { id: idOf(4), projectSlug: "gh/a/a" },
          { id: idOf(2), projectSlug: "gh/b/b" },
        ]);
        await store.setActivePipelines({ remove: [idOf(2), idOf(3), idOf(4)] });
        expect(await store.listActivePipelines()).toStrictEqual([]);
      });
    });

    describe("cursors", () => {
      it("reads cursors in key order with undefined for unset ones, and overwrites on set", async () => {
        await store.setCursors(new Map([["pipelines:gh/a/a", at(1)], ["pipelines:gh/b/b", at(2)]]));
        await store.setCursors(new Map([["pipelines:gh/a/a", at(3)]]));
        expect(await store.getCursors(["pipelines:gh/b/b", "nope", "pipelines:gh/a/a"])).toStrictEqual([at(2), undefined, at(3)]);
        await store.setCursors(new Map());
        expect(await store.getCursors([])).toStrictEqual([]);
      });
    });

    describe("sync status", () => {
      it("answers a never-run summary with no streams before anything is written", async () => {
        expect(await store.getSyncStatus()).toStrictEqual({ running: false, cycles: 0, streams: [] });
      });

      it("keeps one record per stream and project, ordered by stream then project, beside the summary", async () => {
        const status = (stream: StreamStatusRecord["stream"], projectSlug: string | undefined, records: number): StreamStatusRecord =>
          projectSlug === undefined ? { stream, records } : { stream, projectSlug, records };
        await store.putStreamStatuses([status("workflows", "gh/b/b", 1), status("pipelines", "gh/b/b", 2), status("contexts", undefined, 3)]);
        const failed = { ...status("workflows", "gh/b/b", 4), lastError: "boom", lastErrorAt: at(2), lastSuccessAt: at(1) };
        await store.putStreamStatuses([status("pipelines", "gh/a/a", 5), failed]);
        const summary = { running: true, cycles: 3, lastCycleStartedAt: at(9) };
        await store.putSyncSummary(summary);
        expect(await store.getSyncStatus()).toStrictEqual({
          ...summary,
          streams: [status("contexts", undefined, 3), status("pipelines", "gh/a/a", 5), status("pipelines", "gh/b/b", 2), failed],
        });
        await store.putSyncSummary({ running: false, cycles: 4 });
        expect(await store.getSyncStatus()).toMatchObject({ running: false, cycles: 4 });
        expect(await store.getSyncStatus()).not.toHaveProperty("lastCycleStartedAt");
      });
    });

    describe("outbox", () => {
      it("keeps staged batches until cleared, lists them oldest first, and hands out copies", async () => {
        const [first, second] = world.pipelines;
        if (first === undefined || second === undefined) throw new Error("world needs two pipelines");
        const created = (pipeline: Pipeline) => ({ type: "pipeline.created" as const, projectSlug: pipeline.project_slug, pipeline });
        const older = stagedBatchId(1_000);
        const newer = stagedBatchId(2_000);
        await store.stageEvents(newer, [created(second)]);
        await store.stageEvents(older, [created(first), created(second)]);
        const staged = await store.listStagedEvents();
        expect(staged).toStrictEqual([
          { batchId: older, events: [created(first), created(second)] },
          { batchId: newer, events: [created(second)] },
        ]);
        (staged[0]?.events[0] as { projectSlug: string }).projectSlug = "changed by a reader";
        expect((await store.listStagedEvents())[0]?.events[0]).toStrictEqual(created(first));

        await store.clearStagedEvents([older, "never-staged"]);
        expect(await store.listStagedEvents()).toStrictEqual([{ batchId: newer, events: [created(second)] }]);
        await store.clearStagedEvents([newer]);
        expect(await store.listStagedEvents()).toStrictEqual([]);
      });
    });

    describe("lifecycle", () => {
      it("answers ping while open; after close every call rejects, and close may be called again", async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        await store.close();
        await store.close();
        await expect(store.ping()).rejects.toThrow(StoreClosedError);
        await expect(store.getPipelines([idOf(1)])).rejects.toThrow(StoreClosedError);
        await expect(store.putPipelines([pipeline(1, at(1))])).rejects.toThrow(StoreClosedError);
      });
    });
  });
}

function pipelineWithoutVcs(): Pipeline {
  const { vcs: _vcs, ...rest } = pipeline(1, at(1));
  return rest;
}
