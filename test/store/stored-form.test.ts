import { createPubSub } from "@graphql-yoga/subscription";
import { graphql, Kind, parse } from "graphql";
import type { OperationDefinitionNode } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActionService } from "../../src/actions/index.js";
import type { BoardIndexEntry } from "../../src/answers/index.js";
import type { Pipeline, Workflow, WorkflowJob } from "../../src/circleci/index.js";
import { jobDetailsSchema, jobStepsSchema, pipelineSchema, workflowJobSchema, workflowSchema } from "../../src/circleci/schemas.js";
import { MAX_PAGE_SIZE, createLoaderFactory } from "../../src/loaders/index.js";
import type { LoaderFactory } from "../../src/loaders/index.js";
import { silentLogger } from "../../src/log.js";
import { buildGatewaySchema } from "../../src/resolvers/build-schema.js";
import type { GatewayContext } from "../../src/resolvers/context.js";
import { DEFAULT_QUERY_LIMITS } from "../../src/server/limits/index.js";
import { jobKey } from "../../src/simulator/state.js";
import { storedForm } from "../../src/store/codec.js";
import type { EntityDocuments, EntityKind } from "../../src/store/codec.js";
import type { JobKey, JobRecord, Store } from "../../src/store/store.js";
import { buildSteps } from "../../src/sync/job-records.js";
import { truthTestResults } from "../support/truth.js";
import { everyFieldQuery } from "../server/limits/every-field-query.js";
import { allOperationFiles } from "../server/limits/operations.js";
import { BACKFILL_DAYS, DAY_MS, startRig } from "../sync/harness.js";
import type { SyncRig } from "../sync/harness.js";

/**
 * The store keeps of each entity only what something reads (its stored form). Every query of test/operations and a
 * query of every field must answer the same from it as from CircleCI's whole documents: a resolver that read a field
 * the projection drops would answer null (or a fallback) here, where the whole document holds a value.
 */
let rig: SyncRig;
let stored: LoaderFactory;
let whole: LoaderFactory;
let actions: ActionService;
let schema: Awaited<ReturnType<typeof buildGatewaySchema>>;

/** CircleCI's documents, as the client parses them, by id (job records by key). */
interface WholeDocuments {
  pipelines: Map<string, Pipeline>;
  workflows: Map<string, Workflow>;
  jobs: Map<string, WorkflowJob>;
  record(key: JobKey, parts: { steps: boolean; tests: boolean }): JobRecord;
}

function wholeDocuments(): WholeDocuments {
  const { state } = rig.sim.world;
  const byId = <T extends { id: string }>(documents: T[]) => new Map(documents.map((document) => [document.id, document]));
  return {
    pipelines: byId([...state.pipelines.values()].map((wire) => pipelineSchema.parse(wire))),
    workflows: byId([...state.workflows.values()].map((wire) => workflowSchema.parse(wire))),
    jobs: byId([...state.jobsByWorkflow.values()].flat().map((wire) => workflowJobSchema.parse(wire))),
    record({ projectSlug, number }, parts) {
      const key = jobKey(projectSlug, number);
      const wire = state.jobDetails.get(key);
      const record: JobRecord = { projectSlug, number, details: jobDetailsSchema.parse(wire) };
      if (parts.steps) record.steps = buildSteps(jobStepsSchema.parse(state.builds.get(key)));
      if (parts.tests && wire !== undefined) record.tests = truthTestResults(projectSlug, wire);
      return record;
    },
  };
}

/**
 * `store` answering CircleCI's whole document wherever it holds an entity. Each must be what the store holds once
 * projected: the two sides differ by exactly what the store leaves out.
 */
function withWholeDocuments(store: Store, documents: WholeDocuments): Store {
  function whole<K extends EntityKind, T extends EntityDocuments[K]>(kind: K, held: T, found: T | undefined): T {
    expect(found, `CircleCI's ${kind} of a stored one`).toBeDefined();
    expect(storedForm(kind, found as T)).toStrictEqual(held);
    return found as T;
  }
  const pipeline = (held: Pipeline) => whole("pipeline", held, documents.pipelines.get(held.id));
  const workflow = (held: Workflow) => whole("workflow", held, documents.workflows.get(held.id));
  const job = (held: WorkflowJob) => whole("job", held, documents.jobs.get(held.id));
  const record = (held: JobRecord) => whole("jobRecord", held, documents.record(held, { steps: held.steps !== undefined, tests: held.tests !== undefined }));
  const each = <T>(map: (held: T) => T) => (list: (T | undefined)[]) => list.map((held) => (held === undefined ? undefined : map(held)));
  const board = (entry: BoardIndexEntry): BoardIndexEntry => ({ ...entry, latest: workflow(entry.latest), lastFinished: entry.lastFinished === null ? null : workflow(entry.lastFinished) });
  const overrides: Partial<Store> = {
    getPipelines: async (ids) => each(pipeline)(await store.getPipelines(ids)),
    getWorkflows: async (ids) => each(workflow)(await store.getWorkflows(ids)),
    getWorkflowsOf: async (ids) => (await store.getWorkflowsOf(ids)).map((list) => list?.map(workflow)),
    getJobs: async (ids) => each(job)(await store.getJobs(ids)),
    getJobsOf: async (ids) => (await store.getJobsOf(ids)).map((list) => list?.map(job)),
    getJobRecords: async (keys) => each(record)(await store.getJobRecords(keys)),
    getBoards: async (scopes) => (await store.getBoards(scopes)).map((entries) => entries.map(board)),
  };
  return new Proxy(store, {
    get(target, property) {
      if (property in overrides) return overrides[property as keyof Store];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

beforeAll(async () => {
  rig = await startRig();
  await rig.engine.runCycle();
  const { client, writer, invalidations } = rig;
  stored = createLoaderFactory({ store: rig.store, client, writer, invalidations });
  whole = createLoaderFactory({ store: withWholeDocuments(rig.store, wholeDocuments()), client, writer, invalidations });
  actions = new ActionService({ client, store: rig.store, writer, invalidations, loaders: stored, projectSlugs: rig.slugs, logger: silentLogger });
  schema = await buildGatewaySchema({ pubSub: createPubSub() });
}, 60_000);

afterAll(async () => {
  await actions?.close();
  await Promise.all([stored?.close(), whole?.close()]);
  await rig?.close();
});

async function answer(factory: LoaderFactory, source: string, operationName: string | undefined, variableValues: Record<string, unknown>) {
  const contextValue: GatewayContext = {
    loaders: factory.forRequest(),
    projectSlugs: rig.slugs,
    actions: actions.forCaller({ scope: "stored-form", access: "read", name: "stored form test" }),
  };
  return graphql({ schema, source, operationName, variableValues, contextValue });
}

/** Arguments that reach stored data: the first project, its newest pipeline (with workflows), a workflow and a build job of it. */
function realArguments() {
  const { state } = rig.sim.world;
  const slug = rig.slugs[0] as string;
  const pipelineId = (state.pipelinesByProject.get(slug) ?? []).find((id) => (state.workflowsByPipeline.get(id) ?? []).length > 0) as string;
  const workflowId = (state.workflowsByPipeline.get(pipelineId) ?? [])[0] as string;
  const number = (state.jobsByWorkflow.get(workflowId) ?? []).find((job) => job.type === "build" && job.job_number != null)?.job_number as number;
  const workflowName = state.workflows.get(workflowId)?.name as string;
  return { slug, pipelineId, workflowId, number, workflowName };
}

describe("answers from the stored form equal answers from CircleCI's whole documents", () => {
  it("for every query of test/operations", async () => {
    const { slug, pipelineId, workflowId, number, workflowName } = realArguments();
    const until = rig.sim.world.state.now;
    const since = new Date(until - BACKFILL_DAYS * DAY_MS).toISOString();
    const variables: Record<string, unknown> = {
      ...{ projectSlug: slug, projectSlugs: rig.slugs, id: pipelineId, workflowId, number, workflowName, allBranches: true, first: 50 },
      ...{ since, until: new Date(until).toISOString() },
    };
    const queries = allOperationFiles().flatMap(({ file, source }) =>
      parse(source)
        .definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION && definition.operation === "query")
        .map((operation) => ({ file, source, operation })),
    );
    expect(queries.length).toBeGreaterThanOrEqual(8);
    for (const { file, source, operation } of queries) {
      const declared = (operation.variableDefinitions ?? []).map((definition) => definition.variable.name.value);
      const given = Object.fromEntries(declared.flatMap((name) => (name in variables ? [[name, variables[name]]] : [])));
      const name = operation.name?.value;
      const [fromStore, fromWhole] = [await answer(stored, source, name, given), await answer(whole, source, name, given)];
      expect(fromStore.errors, `${file} ${name}`).toBeUndefined();
      expect(fromStore.data, `${file} ${name}`).not.toBeNull();
      expect(fromWhole, `${file} ${name}`).toStrictEqual(fromStore);
    }
  });

  it("for a query of every field, a page of 100 pipelines per project down to each step's actions", async () => {
    const { slug, pipelineId, workflowId, number, workflowName } = realArguments();
    const query = everyFieldQuery(schema, {
      maxDepth: DEFAULT_QUERY_LIMITS.maxDepth,
      first: MAX_PAGE_SIZE,
      values: {
        "Query.project.slug": JSON.stringify(slug),
        "Query.pipeline.id": JSON.stringify(pipelineId),
        "Query.pipelines.projectSlug": JSON.stringify(slug),
        "Query.workflow.id": JSON.stringify(workflowId),
        "Query.job.projectSlug": JSON.stringify(slug),
        "Query.job.number": String(number),
        "Query.workflowInsights.projectSlug": JSON.stringify(slug),
        "Query.jobInsights.projectSlug": JSON.stringify(slug),
        "Query.jobInsights.workflowName": JSON.stringify(workflowName),
        "Query.flakyTests.projectSlug": JSON.stringify(slug),
      },
    });
    // The insights' default window ends at the clock of each answer: its bounds are the one thing told apart by when.
    const answered = async (factory: LoaderFactory) =>
      JSON.parse(JSON.stringify(await answer(factory, query, undefined, {}), (key, value: unknown) => (key === "windowStart" || key === "windowEnd" ? "(now)" : value))) as unknown;
    const fromStore = (await answered(stored)) as { errors?: unknown; data: unknown };
    expect(fromStore.errors).toBeUndefined();
    const actions = JSON.stringify(fromStore.data).match(/"runTimeMillis"/g) ?? [];
    expect(actions.length).toBeGreaterThan(10);
    expect(await answered(whole)).toStrictEqual(fromStore);
  });
});
