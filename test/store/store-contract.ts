import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BoardIndexEntry } from "../../src/answers/index.js";
import { projectKey } from "../../src/project-slug.js";
import type { Pipeline, Workflow } from "../../src/circleci/index.js";
import { StoreClosedError, WriteFencedError } from "../../src/store/errors.js";
import type { Invalidations } from "../../src/store/invalidations.js";
import type { ActionRecord, JobRecord, PendingApprovalRecord, Store, StoredContext, StreamStatusRecord } from "../../src/store/store.js";
import { tags } from "../../src/store/tags.js";
import type { Tag } from "../../src/store/tags.js";
import type { StoreWrite, WriteCondition } from "../../src/store/writes.js";
import { stagedBatchId } from "../../src/writer/index.js";
import { encodeEntity, storedForm } from "../../src/store/codec.js";
import { pipelineRemoval } from "../../src/writer/retention.js";
import { PROJECT, at, idOf, job, pipeline, storedWorld, workflow, worldDocuments, worldTestResults, write, writes, writeWorldDocuments, type WorldDocuments } from "./fixtures.js";

/** A store, and the invalidations of what is written to it as an instance of its deployment receives them. */
export interface StoreUnderTest {
  store: Store;
  invalidations: Invalidations;
}

/**
 * The behaviour every `Store` shares, run against each implementation. `create` must return a store that sees
 * no data but its own (a fresh object, or a fresh key prefix on a shared Redis).
 */
export function storeContract(name: string, create: () => StoreUnderTest | Promise<StoreUnderTest>): void {
  describe(`${name}: the Store contract`, () => {
    let subject: StoreUnderTest;
    let store: Store;
    const world: WorldDocuments = worldDocuments();

    beforeEach(async () => {
      subject = await create();
      store = subject.store;
    });

    afterEach(async () => {
      await store.close();
      await subject.invalidations.close();
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
      it("round-trips every document of a simulated world in its stored form, optional fields absent staying absent", async () => {
        await writeWorld();
        const stored = storedWorld(world);
        expect(await store.getProjects(world.projects.map((p) => p.slug))).toStrictEqual(world.projects);
        expect(await store.getPipelines(world.pipelines.map((p) => p.id))).toStrictEqual(stored.pipelines);
        expect(await store.getWorkflows(world.workflows.map((w) => w.id))).toStrictEqual(stored.workflows);
        const jobs = [...new Map([...stored.jobsByWorkflow.values()].flat().map((j) => [j.id, j])).values()];
        expect(await store.getJobs(jobs.map((j) => j.id))).toStrictEqual(jobs);
        expect(await store.getJobRecords(world.jobRecords)).toStrictEqual(stored.jobRecords);
        const byNameThenId = (a: StoredContext, b: StoredContext) => (a.name === b.name ? (a.id < b.id ? -1 : 1) : a.name < b.name ? -1 : 1);
        expect(await store.listContexts()).toStrictEqual([...world.contexts].sort(byNameThenId));
      });

      it("keeps of an entity only its stored form: the fields something reads, nulls absent, and that form again when written again", async () => {
        const record = world.jobRecords.find((r) => r.steps?.some((step) => step.actions?.some((action) => action.bash_command != null)));
        const [first] = world.pipelines;
        if (record === undefined || first === undefined) throw new Error("the world has no job record with commands in its steps");
        await write(store, [...writes.pipelines([{ ...first, trigger_parameters: { deploy: true } }]), ...writes.jobRecords([record])]);
        const [pipelineRead] = await store.getPipelines([first.id]);
        const [recordRead] = await store.getJobRecords([record]);
        expect(pipelineRead).toStrictEqual(storedForm("pipeline", first));
        expect(pipelineRead).not.toHaveProperty("trigger_parameters");
        expect(recordRead?.details).not.toHaveProperty("project");
        expect(recordRead?.details.latest_workflow).toStrictEqual({ id: record.details.latest_workflow.id });
        const actions = (recordRead?.steps ?? []).flatMap((step) => step.actions ?? []);
        expect(actions.length).toBeGreaterThan(0);
        for (const action of actions) expect(Object.keys(action).every((key) => ["index", "status", "exit_code", "start_time", "end_time", "run_time_millis"].includes(key))).toBe(true);
        expect(JSON.stringify(recordRead)).not.toContain("null");

        const texts = await store.getDocumentTexts([{ kind: "pipeline", id: first.id }, { kind: "jobRecord", projectSlug: record.projectSlug, number: record.number }]);
        expect(texts).toStrictEqual([encodeEntity("pipeline", first), encodeEntity("jobRecord", record)]);
        if (pipelineRead === undefined || recordRead === undefined) throw new Error("not stored");
        expect([encodeEntity("pipeline", pipelineRead), encodeEntity("jobRecord", recordRead)]).toStrictEqual(texts);
        expect((texts[1] as string).length).toBeLessThan(JSON.stringify(record).length / 2);
      });

      it("keeps a document without its optional fields free of them (no nulls or undefined keys appear)", async () => {
        const bare = pipelineWithoutVcs();
        await write(store, writes.pipelines([bare]));
        const [stored] = await store.getPipelines([bare.id]);
        expect(stored).toStrictEqual(bare);
        expect(Object.keys(stored ?? {})).not.toContain("vcs");
        expect(Object.keys(stored ?? {})).not.toContain("updated_at");
      });

      it("answers undefined at the position of each missing key and follows the key order, duplicates included", async () => {
        const [a, b] = [pipeline(1, at(1)), pipeline(2, at(2))];
        await write(store, writes.pipelines([a, b]));
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
        await write(store, writes.pipelines([written]));
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
        await write(store, writes.pipelines([{ ...first, state: "errored" }]));
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
        await write(store, writes.projects([known, unreachable, { slug: "circleci/a/b" }]));
        expect((await store.listProjects()).map((p) => p.slug)).toStrictEqual(["bb/acme/gone", "circleci/a/b", known.slug]);
        expect(await store.getProjects(["bb/acme/gone"])).toStrictEqual([unreachable]);
      });

      it("replaces a project's record as a whole", async () => {
        const [known] = world.projects;
        if (known === undefined) throw new Error("empty world");
        await write(store, writes.projects([known]));
        const marked = { ...known, unreachable: { since: at(1), message: "Not Found" } };
        await write(store, writes.projects([marked]));
        expect(await store.getProjects([known.slug])).toStrictEqual([marked]);
        await write(store, writes.projects([known]));
        expect(await store.getProjects([known.slug])).toStrictEqual([known]);
      });
    });

    describe("project keys", () => {
      it("lists the key of every project written under, in any spelling, each once, by key", async () => {
        expect(await store.listProjectKeys()).toStrictEqual([]);
        await write(store, writes.pipelines([pipeline(1, at(1)), pipeline(2, at(2), { project: "gh/acme/other" }), pipeline(3, at(3), { project: "github/ACME/other" })]));
        expect(await store.listProjectKeys()).toStrictEqual([projectKey("gh/acme/other"), projectKey(PROJECT)].sort());
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
        await write(store, writes.pipelines(pipelines));
        expect((await walk(PROJECT, 10)).flat()).toStrictEqual([idOf(4), idOf(3), idOf(2), idOf(1)]);
        expect((await walk(PROJECT, 10, "main")).flat()).toStrictEqual([idOf(4), idOf(1)]);
        expect((await walk(PROJECT, 1, "main")).flat()).toStrictEqual([idOf(4), idOf(1)]);
        expect((await walk(PROJECT, 10, "feature/x")).flat()).toStrictEqual([idOf(2)]);
        expect(await store.listPipelineIds(PROJECT, { first: 10, branch: "v3" })).toStrictEqual({ ids: [], hasMore: false });
        expect((await walk("gh/acme/other", 10)).flat()).toStrictEqual([idOf(5)]);
        expect(await store.listPipelineIds("gh/acme/none", { first: 10 })).toStrictEqual({ ids: [], hasMore: false });
      });

      it("breaks ties on created_at by id, descending, also across page boundaries", async () => {
        await write(store, writes.pipelines([pipeline(2, at(5)), pipeline(9, at(5)), pipeline(5, at(5)), pipeline(1, at(6)), pipeline(7, at(4))]));
        const expected = [idOf(1), idOf(9), idOf(5), idOf(2), idOf(7)];
        expect((await walk(PROJECT, 10)).flat()).toStrictEqual(expected);
        expect(await walk(PROJECT, 1)).toStrictEqual(expected.map((id) => [id]));
        expect(await walk(PROJECT, 2)).toStrictEqual([expected.slice(0, 2), expected.slice(2, 4), expected.slice(4)]);
      });

      it("keeps pages after a cursor stable while newer pipelines arrive", async () => {
        await write(store, writes.pipelines(Array.from({ length: 6 }, (_, i) => pipeline(10 + i, at(10 + i)))));
        const firstPage = await store.listPipelineIds(PROJECT, { first: 3 });
        expect(firstPage).toStrictEqual({ ids: [idOf(15), idOf(14), idOf(13)], hasMore: true });
        await write(store, writes.pipelines([pipeline(30, at(30)), pipeline(31, at(31)), pipeline(20, at(13))]));
        const secondPage = await store.listPipelineIds(PROJECT, { first: 3, after: idOf(13) });
        expect(secondPage).toStrictEqual({ ids: [idOf(12), idOf(11), idOf(10)], hasMore: false });
        expect((await store.listPipelineIds(PROJECT, { first: 3 })).ids).toStrictEqual([idOf(31), idOf(30), idOf(15)]);
      });

      it("ends a page bounded by createdSince before the first older pipeline, on every page and branch", async () => {
        await write(store, writes.pipelines([1, 2, 3, 4, 5, 6].map((n) => pipeline(n, at(n), { branch: n % 2 === 0 ? "main" : "dev" }))));
        const since = at(3);
        expect(await store.listPipelineIds(PROJECT, { first: 10, createdSince: since })).toStrictEqual({ ids: [idOf(6), idOf(5), idOf(4), idOf(3)], hasMore: false });
        expect(await store.listPipelineIds(PROJECT, { first: 2, createdSince: since })).toStrictEqual({ ids: [idOf(6), idOf(5)], hasMore: true });
        expect(await store.listPipelineIds(PROJECT, { first: 2, after: idOf(5), createdSince: since })).toStrictEqual({ ids: [idOf(4), idOf(3)], hasMore: false });
        expect(await store.listPipelineIds(PROJECT, { first: 1, after: idOf(4), createdSince: since })).toStrictEqual({ ids: [idOf(3)], hasMore: false });
        expect(await store.listPipelineIds(PROJECT, { first: 10, branch: "main", createdSince: since })).toStrictEqual({ ids: [idOf(6), idOf(4)], hasMore: false });
        expect(await store.listPipelineIds(PROJECT, { first: 10, createdSince: at(7) })).toStrictEqual({ ids: [], hasMore: false });
      });

      it("reports hasMore exactly at the boundaries", async () => {
        await write(store, writes.pipelines([pipeline(1, at(1)), pipeline(2, at(2)), pipeline(3, at(3))]));
        expect(await store.listPipelineIds(PROJECT, { first: 3 })).toStrictEqual({ ids: [idOf(3), idOf(2), idOf(1)], hasMore: false });
        expect(await store.listPipelineIds(PROJECT, { first: 2 })).toStrictEqual({ ids: [idOf(3), idOf(2)], hasMore: true });
        expect(await store.listPipelineIds(PROJECT, { first: 2, after: idOf(2) })).toStrictEqual({ ids: [idOf(1)], hasMore: false });
        expect(await store.listPipelineIds(PROJECT, { first: 1, after: idOf(2) })).toStrictEqual({ ids: [idOf(1)], hasMore: false });
        expect(await store.listPipelineIds(PROJECT, { first: 5, after: idOf(1) })).toStrictEqual({ ids: [], hasMore: false });
        expect(await store.listPipelineIds(PROJECT, { first: 0 })).toStrictEqual({ ids: [], hasMore: true });
        expect(await store.listPipelineIds(PROJECT, { first: 0, after: idOf(1) })).toStrictEqual({ ids: [], hasMore: false });
      });

      it("answers an empty last page for a cursor it does not hold (unknown id, or not on this branch)", async () => {
        await write(store, writes.pipelines([pipeline(1, at(1)), pipeline(2, at(2), { branch: "dev" })]));
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
        await write(store, writes.workflows([workflow(30, p1, at(3)), workflow(10, p1, at(1)), workflow(22, p1, at(2)), workflow(21, p1, at(2))]));
        await write(store, writes.workflows([workflow(40, p2, at(1))]));
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
        await write(store, writes.workflows([workflow(30, withWorkflows.id, at(3)), workflow(10, withWorkflows.id, at(1)), workflow(40, unstored.id, at(4))]));
        await write(store, writes.pipelines([withWorkflows, errored]));
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
        await write(store, writes.workflowJobs(new Map([[stored.id, [job(3), job(1)]], [unstored.id, [job(2)]]])));
        await write(store, writes.workflows([stored, bare]));
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
        await write(store, writes.workflowJobs(new Map([[w1, [job(3), job(1), job(2)]]])));
        expect(await store.jobIdsOf([w1, w2])).toStrictEqual([[idOf(3), idOf(1), idOf(2)], []]);
        await write(store, writes.workflowJobs(new Map([[w1, [job(2, "failed"), job(4)]]])));
        expect(await store.jobIdsOf([w1])).toStrictEqual([[idOf(2), idOf(4)]]);
        expect(await store.getJobs([idOf(2), idOf(4)])).toStrictEqual([job(2, "failed"), job(4)]);
        await write(store, writes.workflowJobs(new Map([[w1, []]])));
        expect(await store.jobIdsOf([w1])).toStrictEqual([[]]);
      });

      it("keeps the link per workflow for a job carried over by a rerun", async () => {
        const [original, rerun] = [idOf(100), idOf(200)];
        await write(store, writes.workflowJobs(new Map([[original, [job(1), job(2, "failed")]]])));
        await write(store, writes.workflowJobs(new Map([[rerun, [job(1), job(3)]]])));
        expect(await store.jobIdsOf([original, rerun])).toStrictEqual([
          [idOf(1), idOf(2)],
          [idOf(1), idOf(3)],
        ]);
        await write(store, writes.workflowJobs(new Map([[rerun, [job(3)]]])));
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
        await write(store, writes.jobRecords([withSteps, withoutSteps]));
        const otherProject = { projectSlug: "gh/acme/none", number: withSteps.number };
        const stored = [storedForm("jobRecord", withoutSteps), storedForm("jobRecord", withSteps)];
        expect(await store.getJobRecords([otherProject, withoutSteps, withSteps])).toStrictEqual([undefined, ...stored]);
        expect(stored[0]).not.toHaveProperty("steps");
        expect(stored[1]?.steps).toHaveLength(withSteps.steps?.length ?? -1);
      });

      it("keeps a record's test results as read: listed, empty (the job stored none) and absent (not read) apart", async () => {
        const failed = world.jobRecords.find((record) => record.details.status === "failed");
        const [passed, unread] = world.jobRecords.filter((record) => record.details.status === "success");
        if (failed === undefined || passed === undefined || unread === undefined) throw new Error("world needs a failed and two successful job records");
        const tests = worldTestResults(failed);
        expect(tests.some((test) => test.message === null) && tests.some((test) => test.message != null && test.result === "failure")).toBe(true);
        const listed = { ...failed, tests };
        const empty = { ...passed, tests: [] };
        await write(store, writes.jobRecords([listed, empty, unread]));
        expect(await store.getJobRecords([listed, empty, unread])).toStrictEqual([listed, empty, unread].map((record) => storedForm("jobRecord", record)));
        expect(Object.hasOwn((await store.getJobRecords([unread]))[0] ?? {}, "tests")).toBe(false);
      });

      it("names the record's tag when its test results are added, and none when they are written again", async () => {
        const failed = world.jobRecords.find((record) => record.details.status === "failed");
        if (failed === undefined) throw new Error("world needs a failed job record");
        await write(store, writes.jobRecords([failed]));
        const withTests = { ...failed, tests: worldTestResults(failed) };
        const tag = tags.jobRecord(failed.projectSlug, failed.number);
        expect((await write(store, writes.jobRecords([withTests]))).changed).toStrictEqual([tag]);
        expect((await write(store, writes.jobRecords([withTests]))).changed).toStrictEqual([]);
      });
    });

    describe("contexts", () => {
      it("holds exactly the contexts of the latest full refresh", async () => {
        await write(store, writes.contexts(world.contexts));
        const [kept, ...gone] = world.contexts;
        if (kept === undefined || gone.length === 0) throw new Error("world needs two contexts");
        const renamed: StoredContext = { ...kept, name: "renamed", environment_variables: [] };
        await write(store, writes.contexts([renamed]));
        expect(await store.listContexts()).toStrictEqual([renamed]);
        await write(store, writes.contexts([]));
        expect(await store.listContexts()).toStrictEqual([]);
      });

      it("lists contexts by name, then id", async () => {
        const context = (n: number, name: string): StoredContext => ({ id: idOf(n), name, created_at: at(n), environment_variables: [] });
        await write(store, writes.contexts([context(3, "b"), context(2, "a"), context(1, "b")]));
        expect((await store.listContexts()).map((c) => c.id)).toStrictEqual([idOf(2), idOf(1), idOf(3)]);
      });
    });

    describe("active pipelines", () => {
      it("adds, moves and removes pipelines; removing an unknown id does nothing", async () => {
        expect(await store.listActivePipelines()).toStrictEqual([]);
        await write(store, writes.active({
          add: [
            { id: idOf(2), projectSlug: "gh/b/b" },
            { id: idOf(1), projectSlug: "gh/b/b" },
            { id: idOf(3), projectSlug: "gh/a/a" },
          ],
        }));
        expect(await store.listActivePipelines()).toStrictEqual([
          { id: idOf(3), projectSlug: "gh/a/a" },
          { id: idOf(1), projectSlug: "gh/b/b" },
          { id: idOf(2), projectSlug: "gh/b/b" },
        ]);
        await write(store, writes.active({ remove: [idOf(1), idOf(9)], add: [{ id: idOf(4), projectSlug: "gh/a/a" }] }));
        await write(store, writes.active({}));
        expect(await store.listActivePipelines()).toStrictEqual([
          { id: idOf(3), projectSlug: "gh/a/a" },
          { id: idOf(4), projectSlug: "gh/a/a" },
          { id: idOf(2), projectSlug: "gh/b/b" },
        ]);
        await write(store, writes.active({ remove: [idOf(2), idOf(3), idOf(4)] }));
        expect(await store.listActivePipelines()).toStrictEqual([]);
      });
    });

    describe("cursors", () => {
      it("reads cursors in key order with undefined for unset ones, and overwrites on set", async () => {
        await write(store, writes.cursors(new Map([["pipelines:gh/a/a", at(1)], ["pipelines:gh/b/b", at(2)]])));
        await write(store, writes.cursors(new Map([["pipelines:gh/a/a", at(3)]])));
        expect(await store.getCursors(["pipelines:gh/b/b", "nope", "pipelines:gh/a/a"])).toStrictEqual([at(2), undefined, at(3)]);
        await write(store, writes.cursors(new Map()));
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
        await write(store, writes.statuses([status("workflows", "gh/b/b", 1), status("pipelines", "gh/b/b", 2), status("contexts", undefined, 3)]));
        const failed = { ...status("workflows", "gh/b/b", 4), lastError: "boom", lastErrorAt: at(2), lastSuccessAt: at(1) };
        await write(store, writes.statuses([status("pipelines", "gh/a/a", 5), failed]));
        const summary = { running: true, cycles: 3, lastCycleStartedAt: at(9) };
        await write(store, writes.summary(summary));
        expect(await store.getSyncStatus()).toStrictEqual({
          ...summary,
          streams: [status("contexts", undefined, 3), status("pipelines", "gh/a/a", 5), status("pipelines", "gh/b/b", 2), failed],
        });
        await write(store, writes.summary({ running: false, cycles: 4 }));
        expect(await store.getSyncStatus()).toMatchObject({ running: false, cycles: 4 });
        expect(await store.getSyncStatus()).not.toHaveProperty("lastCycleStartedAt");
      });
    });

    describe("outbox", () => {
      it("keeps staged batches of every project until cleared, lists them oldest first, and hands out copies", async () => {
        const [first, second] = [pipeline(1, at(1)), pipeline(2, at(2), { project: "gh/acme/other" })];
        const created = (pipeline: Pipeline) => ({ type: "pipeline.created" as const, projectSlug: pipeline.project_slug, pipeline });
        const older = stagedBatchId(1_000);
        const newer = stagedBatchId(2_000);
        await write(store, writes.stage(second.project_slug, newer, [created(second)]));
        await write(store, writes.stage(first.project_slug, older, [created(first), created(second)]));
        const staged = await store.listStagedEvents();
        expect(staged).toStrictEqual([
          { batchId: older, projectSlug: first.project_slug, events: [created(first), created(second)] },
          { batchId: newer, projectSlug: second.project_slug, events: [created(second)] },
        ]);
        (staged[0]?.events[0] as { projectSlug: string }).projectSlug = "changed by a reader";
        expect((await store.listStagedEvents())[0]?.events[0]).toStrictEqual(created(first));

        await write(store, writes.unstage(first.project_slug, [older, "never-staged"]));
        expect(await store.listStagedEvents()).toStrictEqual([{ batchId: newer, projectSlug: second.project_slug, events: [created(second)] }]);
        await write(store, writes.unstage(second.project_slug, [newer]));
        expect(await store.listStagedEvents()).toStrictEqual([]);
      });
    });

    describe("action records", () => {
      const record = (claimant: string): ActionRecord => ({ action: "triggerPipeline", fingerprint: "f", claimant, claimedAt: 1 });
      const put = (key: string, held: ActionRecord, ttlMs: number, condition: WriteCondition) =>
        store.applyWrites({ writes: [{ kind: "actionRecord", key, record: held, ttlMs, condition }] });
      const text = async (key: string) => (await store.getDocumentTexts([{ kind: "actionRecord", key }]))[0];

      it("keeps a record under its key, written only if absent or still as read, naming no tag and stepping no sequence", async () => {
        expect(await put("k1", record("a"), 60_000, { absent: true })).toStrictEqual({ applied: true, changed: [], sequence: undefined });
        expect(await put("k1", record("b"), 60_000, { absent: true })).toStrictEqual({ applied: false, conflicts: [0] });
        const held = await text("k1");
        expect(held).toBe(JSON.stringify(record("a")));
        expect(await text("k2")).toBeUndefined();
        const settled: ActionRecord = { ...record("a"), outcome: { kind: "done", result: { type: "pipeline", id: idOf(1) } } };
        expect((await put("k1", settled, 60_000, { stored: held as string })).applied).toBe(true);
        expect(await put("k1", record("c"), 60_000, { stored: held as string })).toStrictEqual({ applied: false, conflicts: [0] });
        expect(await text("k1")).toBe(JSON.stringify(settled));
      });

      it("forgets a record once its time to live is over, and the key is free again", async () => {
        await put("short", record("a"), 80, { absent: true });
        await put("long", record("a"), 60_000, { absent: true });
        expect(await text("short")).toBeDefined();
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect([await text("short"), await text("long")]).toStrictEqual([undefined, JSON.stringify(record("a"))]);
        expect((await put("short", record("b"), 60_000, { absent: true })).applied).toBe(true);
      });
    });

    describe("writes", () => {
      const p1 = pipeline(1, at(1));
      const w1 = workflow(10, p1.id, at(1));

      it("applies a batch whole or not at all: one failed condition and nothing of it is stored", async () => {
        await write(store, writes.pipelines([p1]));
        const before = await store.getDocumentTexts([{ kind: "pipeline", id: p1.id }]);
        const outcome = await store.applyWrites({
          writes: [
            ...writes.pipelines([pipeline(2, at(2))]),
            { kind: "workflow", projectSlug: PROJECT, workflow: w1, condition: { absent: true } },
            { kind: "pipeline", projectSlug: PROJECT, pipeline: { ...p1, state: "errored" }, condition: { absent: true } },
            ...writes.workflowJobs(new Map([[w1.id, [job(1)]]])),
            ...writes.stage(PROJECT, stagedBatchId(), [{ type: "pipeline.created", projectSlug: PROJECT, pipeline: pipeline(2, at(2)) }]),
          ],
        });
        expect(outcome).toStrictEqual({ applied: false, conflicts: [2] });
        expect(await store.getPipelines([idOf(2), p1.id])).toStrictEqual([undefined, p1]);
        expect(await store.getDocumentTexts([{ kind: "pipeline", id: p1.id }])).toStrictEqual(before);
        expect(await store.getWorkflows([w1.id])).toStrictEqual([undefined]);
        expect(await store.getJobs([idOf(1)])).toStrictEqual([undefined]);
        expect(await store.jobIdsOf([w1.id])).toStrictEqual([[]]);
        expect(await store.listPipelineIds(PROJECT, { first: 10 })).toStrictEqual({ ids: [p1.id], hasMore: false });
        expect(await store.listStagedEvents()).toStrictEqual([]);
      });

      it("writes a document only if absent, or only if it still holds the text read, and names each failed write", async () => {
        const insert = { kind: "workflow" as const, projectSlug: PROJECT, workflow: w1, condition: { absent: true as const } };
        expect((await store.applyWrites({ writes: [insert] })).applied).toBe(true);
        expect(await store.applyWrites({ writes: [...writes.pipelines([p1]), insert] })).toStrictEqual({ applied: false, conflicts: [1] });

        const [text] = await store.getDocumentTexts([{ kind: "workflow", id: w1.id }]);
        expect(text).toBe(encodeEntity("workflow", w1));
        expect(await store.getDocumentTexts([{ kind: "workflow", id: w1.id, projectSlug: PROJECT }, { kind: "workflow", id: idOf(99) }])).toStrictEqual([text, undefined]);
        const failed = { ...w1, status: "failed" };
        const ifStill = (stored: string, next: typeof w1) => ({ kind: "workflow" as const, projectSlug: PROJECT, workflow: next, condition: { stored } });
        expect((await store.applyWrites({ writes: [ifStill(text as string, failed)] })).applied).toBe(true);
        // The text read before that write is stale now.
        expect(await store.applyWrites({ writes: [ifStill(text as string, w1), ifStill(encodeEntity("workflow", failed), failed)] })).toStrictEqual({ applied: false, conflicts: [0] });
        expect(await store.getWorkflows([w1.id])).toStrictEqual([failed]);

        const record = { projectSlug: PROJECT, number: 7, details: { status: "success" } } as unknown as JobRecord;
        await write(store, [{ kind: "jobRecord", record, condition: { absent: true } }]);
        expect(await store.getDocumentTexts([{ kind: "jobRecord", projectSlug: PROJECT, number: 7 }])).toStrictEqual([encodeEntity("jobRecord", record)]);
        expect(await store.applyWrites({ writes: [{ kind: "jobRecord", record, condition: { absent: true } }] })).toStrictEqual({ applied: false, conflicts: [0] });
      });

      it("names the tags of every document and listing a write changed, and none for an unchanged re-write", async () => {
        const changed = async (batch: StoreWrite[]) => [...(await write(store, batch)).changed].sort();
        expect(await changed(writes.pipelines([p1]))).toStrictEqual([tags.pipeline(p1.id), tags.pipelineListing(PROJECT), tags.workflowsOf(p1.id)].sort());
        expect(await changed(writes.pipelines([p1]))).toStrictEqual([]);
        expect(await changed(writes.pipelines([{ ...p1, state: "errored" }]))).toStrictEqual([tags.pipeline(p1.id)]);
        expect(await changed(writes.workflows([w1]))).toStrictEqual([tags.jobsOf(w1.id), tags.workflow(w1.id), tags.workflowsOf(p1.id)].sort());
        expect(await changed(writes.workflows([{ ...w1, status: "failed" }]))).toStrictEqual([tags.workflow(w1.id)]);
        expect(await changed(writes.workflowJobs(new Map([[w1.id, [job(1), job(2)]]])))).toStrictEqual([tags.job(idOf(1)), tags.job(idOf(2)), tags.jobsOf(w1.id)].sort());
        expect(await changed(writes.workflowJobs(new Map([[w1.id, [job(1), job(2)]]])))).toStrictEqual([]);
        expect(await changed(writes.workflowJobs(new Map([[w1.id, [job(2), job(1)]]])))).toStrictEqual([tags.jobsOf(w1.id)]);
        expect(await changed(writes.workflowJobs(new Map([[w1.id, [job(2, "failed")]]])))).toStrictEqual([tags.job(idOf(2)), tags.jobsOf(w1.id)].sort());
        const [record] = world.jobRecords;
        if (record === undefined) throw new Error("world without job records");
        expect(await changed(writes.jobRecords([record]))).toStrictEqual([tags.jobRecord(record.projectSlug, record.number)]);

        const [project] = world.projects;
        if (project === undefined) throw new Error("empty world");
        // A new project also changes the listing of projects; a changed one only itself.
        expect(await changed(writes.projects([project]))).toStrictEqual([tags.project(project.slug), tags.projectListing].sort());
        expect(await changed(writes.projects([project]))).toStrictEqual([]);
        expect(await changed(writes.projects([{ ...project, unreachable: { since: at(0), message: "gone" } }]))).toStrictEqual([tags.project(project.slug)]);
        expect(await changed(writes.contexts(world.contexts))).toStrictEqual([tags.contexts]);
        expect(await changed(writes.contexts(world.contexts))).toStrictEqual([]);
        expect(await changed(writes.contexts(world.contexts.slice(1)))).toStrictEqual([tags.contexts]);
        expect(await changed(writes.statuses([{ stream: "contexts", records: 1 }]))).toStrictEqual([tags.syncStatus]);
        expect(await changed(writes.summary({ running: true, cycles: 0 }))).toStrictEqual([tags.syncStatus]);
        expect(await changed(writes.summary({ running: true, cycles: 0 }))).toStrictEqual([]);
        // What no reader caches names nothing: the active set, cursors, the outbox.
        expect(await changed([...writes.active({ add: [{ id: p1.id, projectSlug: PROJECT }] }), ...writes.cursors(new Map([["c", "1"]])), ...writes.stage(PROJECT, stagedBatchId(), [])])).toStrictEqual([]);
      });

      it("steps the write sequence once per write that changed something, and hands its tags to every listener", async () => {
        const heard: Tag[][] = [];
        subject.invalidations.subscribe((changed) => void heard.push([...changed]));
        const first = await write(store, writes.pipelines([p1]));
        const unchanged = await write(store, writes.pipelines([p1]));
        const second = await write(store, writes.workflows([w1]));
        await subject.invalidations.barrier();
        expect(first.sequence).toEqual(expect.any(Number));
        expect(unchanged).toStrictEqual({ applied: true, changed: [], sequence: undefined });
        expect(second.sequence).toBe((first.sequence as number) + 1);
        expect(heard).toStrictEqual([first.changed, second.changed]);
      });

      it("refuses the whole batch of a leader epoch older than the newest it has seen, and nothing else", async () => {
        await write(store, writes.pipelines([p1]), 5);
        const refused = await store.applyWrites({ epoch: 4, writes: [...writes.workflows([w1]), ...writes.summary({ running: true, cycles: 9 })] }).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(WriteFencedError);
        expect(refused).toMatchObject({ code: "SYNC_LEADERSHIP_LOST", epoch: 4, newerEpoch: 5 });
        expect(await store.getWorkflows([w1.id])).toStrictEqual([undefined]);
        expect(await store.getSyncStatus()).toStrictEqual({ running: false, cycles: 0, streams: [] });

        await write(store, writes.workflows([w1]), 6);
        await expect(store.applyWrites({ epoch: 5, writes: writes.summary({ running: true, cycles: 9 }) })).rejects.toThrow(WriteFencedError);
        // Writers without a lease are not fenced.
        await write(store, writes.summary({ running: false, cycles: 1 }));
        expect(await store.getSyncStatus()).toMatchObject({ running: false, cycles: 1 });
      });
    });

    describe("answer indexes", () => {
      /** A board entry as the writer would keep it, for the store's own tests (the writer's rules are its tests). */
      function entry(branch: string, workflowName: string, latest: Workflow, projectSlug = PROJECT): BoardIndexEntry {
        return { projectSlug, branch, workflowName, latest, lastFinished: null, lastSuccess: null, lastNonFailure: null, failureStreak: [] };
      }
      const run = (n: number, name = "build-test") => ({ ...workflow(n, idOf(100), at(n)), name });
      const approval = (n: number, waitingSince: string, projectSlug = PROJECT): PendingApprovalRecord => ({
        projectSlug,
        jobId: idOf(n),
        workflowId: idOf(200 + n),
        pipelineId: idOf(300 + n),
        waitingSince,
      });
      const changed = async (batch: StoreWrite[]) => [...(await write(store, batch)).changed].sort();

      it("keeps board entries per project and branch, by name, with the branches they are on", async () => {
        const [deploy, build, feature] = [entry("main", "deploy", run(1, "deploy")), entry("main", "build-test", run(2)), entry("feat/x", "build-test", run(3))];
        await write(store, [deploy, build, feature, entry("main", "build-test", run(4), "gh/acme/other")].map((board) => ({ kind: "boardEntry", entry: board })));
        expect(await store.getBoards([{ projectSlug: PROJECT, branch: "main" }, { projectSlug: PROJECT, branch: "feat/x" }, { projectSlug: PROJECT, branch: "gone" }])).toStrictEqual([
          [build, deploy],
          [feature],
          [],
        ]);
        // Any spelling of the project finds its board.
        expect(await store.getBoards([{ projectSlug: "github/acme/rocket", branch: "feat/x" }])).toStrictEqual([[feature]]);
        expect(await store.getBoardBranches([PROJECT, "gh/acme/other", "gh/acme/none"])).toStrictEqual([["feat/x", "main"], ["main"], []]);
        expect(await store.getBoards([])).toStrictEqual([]);
        const [text] = await store.getDocumentTexts([{ kind: "boardEntry", projectSlug: PROJECT, branch: "main", workflowName: "deploy" }]);
        expect(JSON.parse(text ?? "null")).toStrictEqual(deploy);
      });

      it("writes a board entry only on its condition, and names the board (and a new branch) it changed", async () => {
        const first = entry("main", "deploy", run(1, "deploy"));
        expect(await changed([{ kind: "boardEntry", entry: first, condition: { absent: true } }])).toStrictEqual(
          [tags.board(PROJECT, "main"), tags.boardBranches(PROJECT)].sort(),
        );
        expect(await store.applyWrites({ writes: [{ kind: "boardEntry", entry: { ...first, latest: run(2, "deploy") }, condition: { absent: true } }] })).toStrictEqual({
          applied: false,
          conflicts: [0],
        });
        const [text] = await store.getDocumentTexts([{ kind: "boardEntry", projectSlug: PROJECT, branch: "main", workflowName: "deploy" }]);
        const second = { ...first, latest: run(2, "deploy") };
        expect(await changed([{ kind: "boardEntry", entry: second, condition: { stored: text as string } }])).toStrictEqual([tags.board(PROJECT, "main")]);
        expect(await changed([{ kind: "boardEntry", entry: second }])).toStrictEqual([]);
        expect(await changed([{ kind: "boardEntry", entry: entry("main", "lint", run(3, "lint")) }])).toStrictEqual([tags.board(PROJECT, "main")]);
        expect(await store.getBoards([{ projectSlug: PROJECT, branch: "main" }])).toStrictEqual([[second, entry("main", "lint", run(3, "lint"))]]);
      });

      it("keeps each project's approvals on hold, oldest first, as they go on hold and stop waiting", async () => {
        const [late, early, same] = [approval(1, at(30)), approval(2, "2026-01-01T00:10:00Z"), approval(3, at(10))];
        expect(await changed([{ kind: "pendingApprovals", projectSlug: PROJECT, put: [late, early, same] }])).toStrictEqual([tags.pendingApprovals(PROJECT)]);
        await write(store, [{ kind: "pendingApprovals", projectSlug: "gh/acme/other", put: [approval(4, at(1), "gh/acme/other")] }]);
        // Waiting since the same instant (written at another precision): by job id.
        expect(await store.getPendingApprovals([PROJECT, "gh/acme/none"])).toStrictEqual([[early, same, late], []]);
        expect(await changed([{ kind: "pendingApprovals", projectSlug: PROJECT, put: [late], remove: [idOf(9)] }])).toStrictEqual([]);
        expect(await changed([{ kind: "pendingApprovals", projectSlug: PROJECT, remove: [early.jobId, same.jobId] }])).toStrictEqual([tags.pendingApprovals(PROJECT)]);
        expect(await store.getPendingApprovals([PROJECT, "gh/acme/other"])).toStrictEqual([[late], [approval(4, at(1), "gh/acme/other")]]);
      });
    });

    describe("retention", () => {
      /** The world's pipelines of a project created before `before`, oldest first (then by id), as the store ranks them. */
      function oldestFirst(projectSlug: string, before: number): Pipeline[] {
        return world.pipelines
          .filter((p) => p.project_slug === projectSlug && Date.parse(p.created_at) < before)
          .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      }
      const projectOf = (index: number) => (world.projects[index] as { slug: string }).slug;
      /** A time that splits a project's pipelines about in half. */
      function middle(projectSlug: string): number {
        const times = world.pipelines.filter((p) => p.project_slug === projectSlug).map((p) => Date.parse(p.created_at)).sort((a, b) => a - b);
        return times[Math.floor(times.length / 2)] as number;
      }
      const treeOf = (id: string) => {
        const workflows = storedWorld(world).workflows.filter((w) => w.pipeline_id === id);
        const jobs = [...new Map(workflows.flatMap((w) => storedWorld(world).jobsByWorkflow.get(w.id) ?? []).map((j) => [j.id, j])).values()];
        return { workflows, jobs };
      };

      it("reads a project's oldest pipelines before a time, by score, skipping and bounded, each with its tree", async () => {
        await writeWorld();
        const slug = projectOf(0);
        const before = middle(slug);
        const expected = oldestFirst(slug, before);
        expect(expected.length).toBeGreaterThan(3);
        const all = await store.listPipelineTreesBefore(slug, { before, skip: 0, first: 1000 });
        expect(all.map((tree) => tree.id)).toStrictEqual(expected.map((p) => p.id));
        for (const tree of all) {
          const { workflows, jobs } = treeOf(tree.id);
          expect(tree.pipeline).toStrictEqual(storedWorld(world).pipelines.find((p) => p.id === tree.id));
          expect([...tree.workflows].sort(byId)).toStrictEqual([...workflows].sort(byId));
          expect([...tree.jobs].sort(byId)).toStrictEqual([...jobs].sort(byId));
        }
        expect(await store.listPipelineTreesBefore(slug, { before, skip: 2, first: 2 })).toStrictEqual(all.slice(2, 4));
        expect(await store.listPipelineTreesBefore(slug, { before, skip: expected.length, first: 5 })).toStrictEqual([]);
        // The bound is exclusive: a pipeline created at `before` stays out.
        const at = world.pipelines.find((p) => p.project_slug === slug && Date.parse(p.created_at) === before);
        expect(all.map((tree) => tree.id)).not.toContain(at?.id);
        expect(await store.listPipelineTreesBefore("gh/acme/none", { before, skip: 0, first: 5 })).toStrictEqual([]);
        await expect(store.listPipelineTreesBefore(slug, { before, skip: 0, first: -1 })).rejects.toThrow(RangeError);
      });

      it("removes exactly a pipeline's subtree and its index entries, naming every tag; a second removal is a no-op", async () => {
        await writeWorld();
        const slug = projectOf(0);
        const [tree] = (await store.listPipelineTreesBefore(slug, { before: Number.MAX_SAFE_INTEGER, skip: 0, first: 1000 })).filter(
          (candidate) => candidate.workflows.length > 0 && candidate.jobs.some((j) => j.job_number != null),
        );
        if (tree === undefined) throw new Error("world without a pipeline that has jobs");
        const removal = pipelineRemoval(slug, tree);
        const jobNumbers = tree.jobs.flatMap((j) => (j.type === "build" && j.job_number != null ? [j.job_number] : []));
        const outcome = await write(store, [removal]);
        expect([...outcome.changed].sort()).toStrictEqual(
          [
            tags.pipeline(tree.id),
            tags.pipelineListing(slug),
            tags.workflowsOf(tree.id),
            ...tree.workflows.flatMap((w) => [tags.workflow(w.id), tags.jobsOf(w.id)]),
            ...tree.jobs.map((j) => tags.job(j.id)),
            ...jobNumbers.filter((n) => world.jobRecords.some((r) => r.projectSlug === slug && r.number === n)).map((n) => tags.jobRecord(slug, n)),
          ].sort(),
        );
        const workflowIds = tree.workflows.map((w) => w.id);
        const jobIds = tree.jobs.map((j) => j.id);
        expect(await store.getPipelines([tree.id])).toStrictEqual([undefined]);
        expect(await store.getWorkflowsOf([tree.id])).toStrictEqual([undefined]);
        expect(await store.workflowIdsOf([tree.id])).toStrictEqual([[]]);
        expect(await store.getWorkflows(workflowIds)).toStrictEqual(workflowIds.map(() => undefined));
        expect(await store.jobIdsOf(workflowIds)).toStrictEqual(workflowIds.map(() => []));
        expect(await store.getJobs(jobIds)).toStrictEqual(jobIds.map(() => undefined));
        expect(await store.getJobRecords(jobNumbers.map((number) => ({ projectSlug: slug, number })))).toStrictEqual(jobNumbers.map(() => undefined));
        expect(await store.getDocumentTexts([{ kind: "pipeline", id: tree.id }, ...workflowIds.map((id) => ({ kind: "workflow" as const, id }))])).toStrictEqual(
          [tree.id, ...workflowIds].map(() => undefined),
        );
        const branch = tree.pipeline?.vcs?.branch ?? undefined;
        const kept = storedWorld(world).pipelines.filter((p) => p.id !== tree.id);
        expect((await walk(slug, 100)).flat()).toStrictEqual(newestFirst(kept.filter((p) => p.project_slug === slug)));
        if (branch !== undefined) expect((await walk(slug, 100, branch)).flat()).not.toContain(tree.id);

        // Everything else is as written.
        expect(await store.getPipelines(kept.map((p) => p.id))).toStrictEqual(kept);
        const otherWorkflows = storedWorld(world).workflows.filter((w) => w.pipeline_id !== tree.id);
        expect(await store.getWorkflows(otherWorkflows.map((w) => w.id))).toStrictEqual(otherWorkflows);
        const otherJobs = [...new Map(otherWorkflows.flatMap((w) => storedWorld(world).jobsByWorkflow.get(w.id) ?? []).map((j) => [j.id, j])).values()];
        expect(await store.getJobs(otherJobs.map((j) => j.id))).toStrictEqual(otherJobs);
        const otherRecords = storedWorld(world).jobRecords.filter((r) => r.projectSlug !== slug || !jobNumbers.includes(r.number));
        expect(await store.getJobRecords(otherRecords)).toStrictEqual(otherRecords);

        expect(await store.applyWrites({ writes: [removal] })).toStrictEqual({ applied: true, changed: [], sequence: undefined });
        // Written again (the read path fetching it from CircleCI), it is found again.
        await write(store, [{ kind: "pipeline", projectSlug: slug, pipeline: tree.pipeline as Pipeline, condition: { absent: true } }]);
        expect(await store.getPipelines([tree.id])).toStrictEqual([tree.pipeline]);
      });

      it("removes a board entry on its condition, and its branch from the board once no entry is left there", async () => {
        const entry = (branch: string, workflowName: string, n: number): BoardIndexEntry => ({
          projectSlug: PROJECT,
          branch,
          workflowName,
          latest: { ...workflow(n, idOf(100), at(n)), name: workflowName },
          lastFinished: null,
          lastSuccess: null,
          lastNonFailure: null,
          failureStreak: [],
        });
        await write(store, [entry("main", "build", 1), entry("main", "deploy", 2), entry("feat/x", "build", 3)].map((board) => ({ kind: "boardEntry", entry: board })));
        const text = async (branch: string, workflowName: string) =>
          (await store.getDocumentTexts([{ kind: "boardEntry", projectSlug: PROJECT, branch, workflowName }]))[0] as string;
        const remove = (branch: string, workflowName: string, stored: string): StoreWrite => ({ kind: "removeBoardEntry", projectSlug: PROJECT, branch, workflowName, condition: { stored } });

        expect(await store.applyWrites({ writes: [remove("main", "build", JSON.stringify(entry("main", "build", 9)))] })).toStrictEqual({ applied: false, conflicts: [0] });
        expect([...(await write(store, [remove("main", "build", await text("main", "build"))])).changed]).toStrictEqual([tags.board(PROJECT, "main")]);
        expect(await store.getBoards([{ projectSlug: PROJECT, branch: "main" }])).toStrictEqual([[entry("main", "deploy", 2)]]);
        expect(await store.getBoardBranches([PROJECT])).toStrictEqual([["feat/x", "main"]]);
        const last = await write(store, [remove("feat/x", "build", await text("feat/x", "build"))]);
        expect([...last.changed].sort()).toStrictEqual([tags.board(PROJECT, "feat/x"), tags.boardBranches(PROJECT)].sort());
        expect(await store.getBoardBranches([PROJECT])).toStrictEqual([["main"]]);
        expect(await store.getBoards([{ projectSlug: PROJECT, branch: "feat/x" }])).toStrictEqual([[]]);
      });
    });

    describe("lifecycle", () => {
      it("answers ping while open; after close every call rejects, and close may be called again", async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        await store.close();
        await store.close();
        await expect(store.ping()).rejects.toThrow(StoreClosedError);
        await expect(store.getPipelines([idOf(1)])).rejects.toThrow(StoreClosedError);
        await expect(write(store, writes.pipelines([pipeline(1, at(1))]))).rejects.toThrow(StoreClosedError);
      });
    });
  });
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function pipelineWithoutVcs(): Pipeline {
  const { vcs: _vcs, ...rest } = pipeline(1, at(1));
  return rest;
}
