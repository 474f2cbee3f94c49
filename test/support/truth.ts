/**
 * Compares what a Store holds with what the simulated CircleCI holds (the truth), entity by entity,
 * for a window of pipelines. Truth documents go through the client's own schemas first, then into the form the
 * store gives back (`storedForm`), so both sides have the shape the store keeps of what the sync writes; a list item that does not fit is expected to be absent, as
 * the client skips it. Reusable by any test or benchmark that needs "the cache
 * equals CircleCI".
 */
import {
  contextEnvVarSchema,
  contextSchema,
  jobDetailsSchema,
  jobStepsSchema,
  pipelineSchema,
  projectSchema,
  testResultSchema,
  workflowJobSchema,
  workflowSchema,
} from "../../src/circleci/schemas.js";
import type { z } from "zod";
import type { JobSteps } from "../../src/circleci/schemas.js";
import { jobKey } from "../../src/simulator/state.js";
import { storedForm } from "../../src/store/codec.js";
import { RedisStore } from "../../src/store/redis-store.js";
import type { World } from "../../src/simulator/world.js";
import type { JobKey, Store } from "../../src/store/store.js";
import { buildSteps, DEFAULT_SYNC_TESTS, wantsTestResults } from "../../src/sync/job-records.js";
import type { SyncTestsMode } from "../../src/sync/job-records.js";
import { testResultsOf } from "../../src/simulator/test-results.js";
import type { JobDetailWire } from "../../src/simulator/model.js";
import type { TestResult } from "../../src/circleci/index.js";
import { isTerminalJobStatus } from "../../src/sync/live.js";

export interface TruthScope {
  /** Canonical slugs, as the world names its projects. */
  projectSlugs: readonly string[];
  /** Epoch ms: pipelines created at or after this instant are compared. */
  since: number;
  /** When set, the organization's contexts are compared too. */
  orgId?: string;
  /** Whose test results the store must hold (`SYNC_TESTS`); others it holds must be right too. Default `failed`. */
  syncTests?: SyncTestsMode;
}

/** Human-readable differences; empty when the store equals the truth for the scope. */
export async function compareStoreWithTruth(store: Store, world: World, scope: TruthScope): Promise<string[]> {
  const differences: string[] = [];
  for (const slug of scope.projectSlugs) {
    differences.push(...(await compareProject(store, world, slug, scope.since, scope.syncTests ?? DEFAULT_SYNC_TESTS)));
  }
  if (scope.orgId !== undefined) differences.push(...(await compareContexts(store, world, scope.orgId)));
  return differences;
}

/** `compareStoreWithTruth` over what the instances of a deployment share: its Redis, under its prefix. */
export async function compareRedisWithTruth(redis: { url: string; prefix: string }, world: World, scope: TruthScope): Promise<string[]> {
  const store = new RedisStore({ url: redis.url, prefix: redis.prefix });
  try {
    return await compareStoreWithTruth(store, world, scope);
  } finally {
    await store.close();
  }
}

/** The status of every workflow and workflow job the world holds now (those the client can parse), by id. */
export function truthStatuses(world: World): { workflows: Map<string, string>; jobs: Map<string, string> } {
  const { state } = world;
  const workflows = validOnly(workflowSchema, [...state.workflows.values()]);
  const jobs = validOnly(workflowJobSchema, [...state.jobsByWorkflow.values()].flat());
  return {
    workflows: new Map(workflows.map(({ id, status }) => [id, status])),
    jobs: new Map(jobs.map(({ id, status }) => [id, status])),
  };
}

async function compareProject(store: Store, world: World, slug: string, since: number, syncTests: SyncTestsMode): Promise<string[]> {
  const { state } = world;
  const truthProject = state.projects.get(slug);
  if (truthProject === undefined) return [`project ${slug}: not in the world`];
  const [stored] = await store.getProjects([slug]);
  if (state.hiddenProjects.has(slug)) {
    return stored?.unreachable === undefined ? [`project ${slug}: hidden upstream but not marked unreachable`] : [];
  }
  const differences = [
    ...(stored?.unreachable === undefined ? [] : [`project ${slug}: visible upstream but marked unreachable`]),
    ...differencesOf(`project ${slug}`, stored?.project, projectSchema.parse(truthProject)),
  ];

  const windowed = (state.pipelinesByProject.get(slug) ?? [])
    .flatMap((id) => state.pipelines.get(id) ?? [])
    .filter((pipeline) => Date.parse(pipeline.created_at) >= since);
  const truthPipelines = validOnly(pipelineSchema, windowed);
  const storedIds = await allPipelineIds(store, slug);
  const storedPipelines = await store.getPipelines(storedIds);
  const storedInWindow = new Set(
    storedPipelines.flatMap((pipeline) => (pipeline && Date.parse(pipeline.created_at) >= since ? [pipeline.id] : [])),
  );
  differences.push(...setDifferences(`project ${slug} pipelines`, storedInWindow, truthPipelines.map(({ id }) => id)));
  const storedById = new Map(storedPipelines.flatMap((pipeline) => (pipeline ? [[pipeline.id, pipeline] as const] : [])));
  for (const pipeline of truthPipelines) {
    differences.push(...differencesOf(`pipeline ${slug} #${pipeline.number}`, storedById.get(pipeline.id), storedForm("pipeline", pipeline)));
  }

  const pipelineIds = truthPipelines.map(({ id }) => id);
  const storedWorkflowIds = await store.workflowIdsOf(pipelineIds);
  const truthWorkflows = pipelineIds.map((id) =>
    validOnly(workflowSchema, (state.workflowsByPipeline.get(id) ?? []).map((workflowId) => state.workflows.get(workflowId))),
  );
  pipelineIds.forEach((id, index) => {
    const expected = (truthWorkflows[index] ?? []).map((workflow) => workflow.id);
    differences.push(...setDifferences(`pipeline ${id} workflows`, new Set(storedWorkflowIds[index]), expected));
  });
  const workflows = truthWorkflows.flat();
  const workflowIds = workflows.map(({ id }) => id);
  const storedWorkflows = await store.getWorkflows(workflowIds);
  workflows.forEach((workflow, index) => {
    differences.push(...differencesOf(`workflow ${workflow.id}`, storedWorkflows[index], storedForm("workflow", workflow)));
  });

  const storedJobIds = await store.jobIdsOf(workflowIds);
  const truthJobs = workflowIds.map((id) => validOnly(workflowJobSchema, state.jobsByWorkflow.get(id) ?? []));
  workflowIds.forEach((id, index) => {
    const expected = (truthJobs[index] ?? []).map((job) => job.id).join(",");
    const actual = (storedJobIds[index] ?? []).join(",");
    if (expected !== actual) differences.push(`workflow ${id} jobs: store [${actual}] vs truth [${expected}]`);
  });
  const jobs = truthJobs.flat();
  const storedJobs = await store.getJobs(jobs.map(({ id }) => id));
  jobs.forEach((job, index) => differences.push(...differencesOf(`job ${job.id} (${job.name})`, storedJobs[index], storedForm("job", job))));

  const numbered = [...new Set(jobs.flatMap((job) => (job.type === "build" && job.job_number != null ? [job.job_number] : [])))];
  const keys: JobKey[] = numbered.map((number) => ({ projectSlug: slug, number }));
  const records = await store.getJobRecords(keys);
  numbered.forEach((number, index) => {
    const label = `job record ${slug} #${number}`;
    const detail = state.jobDetails.get(jobKey(slug, number));
    if (detail === undefined) return;
    const record = records[index];
    const details = jobDetailsSchema.parse(detail);
    differences.push(...differencesOf(`${label} details`, record?.details, storedForm("jobRecord", { projectSlug: slug, number, details }).details));
    const build = state.builds.get(jobKey(slug, number));
    if (record !== undefined && build !== undefined && isTerminalJobStatus(details.status)) {
      // A build the client cannot read leaves the job's details stored without steps.
      const steps = jobStepsSchema.safeParse(build);
      const stored = (truth: JobSteps) => storedForm("jobRecord", { projectSlug: slug, number, details, steps: buildSteps(truth) }).steps;
      if (steps.success) differences.push(...differencesOf(`${label} steps`, record.steps, stored(steps.data)));
      else if (record.steps !== undefined) differences.push(`${label} steps: stored, though CircleCI's answer does not fit its schema`);
    }
    if (record !== undefined && (record.tests !== undefined || wantsTestResults(details.status, syncTests))) {
      const stored = storedForm("jobRecord", { projectSlug: slug, number, details, tests: truthTestResults(slug, detail) }).tests;
      differences.push(...differencesOf(`${label} tests`, inTestOrder(record.tests), inTestOrder(stored)));
    }
  });
  return differences;
}

/** The results the simulated CircleCI serves for a job, as the client parses them. */
export function truthTestResults(slug: string, job: JobDetailWire): TestResult[] {
  return validOnly(testResultSchema, testResultsOf(slug, job));
}

/** CircleCI lists results in no promised order: compared by what each says. */
function inTestOrder(tests: readonly TestResult[] | undefined): TestResult[] | undefined {
  return tests?.map((test) => ({ test, id: JSON.stringify([test.classname, test.name, test.file]) })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(({ test }) => test);
}

async function compareContexts(store: Store, world: World, orgId: string): Promise<string[]> {
  const { state } = world;
  const truth = validOnly(contextSchema, state.contexts.get(orgId) ?? []).map((context) => ({
    ...context,
    environment_variables: validOnly(contextEnvVarSchema, state.envVars.get(context.id) ?? []),
  }));
  const stored = await store.listContexts();
  const storedById = new Map(stored.map((context) => [context.id, context]));
  return [
    ...setDifferences(`organization ${orgId} contexts`, new Set(storedById.keys()), truth.map(({ id }) => id)),
    ...truth.flatMap((context) => differencesOf(`context ${context.name}`, storedById.get(context.id), context)),
  ];
}

/** Items that fit the client's schema, as it parses them: the sync skips the others, so the store must not hold them. */
function validOnly<T>(schema: z.ZodType<T>, items: readonly unknown[]): T[] {
  return items.flatMap((item) => {
    const parsed = schema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}

async function allPipelineIds(store: Store, slug: string): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const page = await store.listPipelineIds(slug, { first: 100, after: ids.at(-1) });
    ids.push(...page.ids);
    if (!page.hasMore) return ids;
  }
}

function setDifferences(label: string, stored: ReadonlySet<string>, truth: readonly string[]): string[] {
  const expected = new Set(truth);
  const missing = truth.filter((id) => !stored.has(id));
  const extra = [...stored].filter((id) => !expected.has(id));
  return [
    ...(missing.length > 0 ? [`${label}: missing from the store: ${missing.join(", ")}`] : []),
    ...(extra.length > 0 ? [`${label}: in the store but not upstream: ${extra.join(", ")}`] : []),
  ];
}

/** Up to a few paths where the stored document differs from the truth, with both values. */
function differencesOf(label: string, stored: unknown, truth: unknown): string[] {
  if (stored === undefined) return [`${label}: missing from the store`];
  const paths: string[] = [];
  walk(stored, truth, "", paths);
  return paths.slice(0, 3).map((path) => `${label}: ${path}`);
}

function walk(stored: unknown, truth: unknown, path: string, out: string[]): void {
  if (isRecord(stored) && isRecord(truth)) {
    const keys = new Set([...Object.keys(stored), ...Object.keys(truth)]);
    for (const key of keys) walk(stored[key], truth[key], path === "" ? key : `${path}.${key}`, out);
    return;
  }
  if (Array.isArray(stored) && Array.isArray(truth) && stored.length === truth.length) {
    stored.forEach((item, index) => walk(item, truth[index], `${path}[${index}]`, out));
    return;
  }
  if (JSON.stringify(stored) !== JSON.stringify(truth)) {
    out.push(`${path || "(document)"}: store ${JSON.stringify(stored)} vs truth ${JSON.stringify(truth)}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
