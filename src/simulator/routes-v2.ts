import { withRespelledSlugs } from "./deviations.js";
import type { ContextWire, OrgWire, PipelineWire, ProjectWire, WorkflowWire } from "./model.js";
import type { ListKind, Paginator } from "./pagination.js";
import { defineRoute, errorReply, jsonReply } from "./router.js";
import type { Reply, Route, RouteRequest } from "./router.js";
import { jobKey } from "./state.js";
import type { SimState } from "./state.js";
import { testResultsOf } from "./test-results.js";
import type { World } from "./world.js";

export interface V2Context {
  world: World;
  pages: Paginator;
}

/** 404 bodies as CircleCI words them (API.md §1, §4). Hidden and missing look the same on purpose. */
export const NOT_FOUND = {
  project: "Project not found",
  pipeline: "Pipeline not found",
  workflow: "Workflow not found",
  job: "Job not found",
  user: "User not found",
  organization: "Organization does not exist.",
  context: "Context not found.",
  page: "Not Found",
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const v2 = (template: string, handle: (request: RouteRequest, context: V2Context) => Reply): Route<V2Context> =>
  defineRoute(template, `/api/v2${template}`, handle);

export const v2Routes: readonly Route<V2Context>[] = [
  v2("/me", (_, { world }) => jsonReply(200, world.me)),

  v2("/me/collaborations", (_, { world }) => jsonReply(200, [...world.state.orgs.values()].map(collaboration))),

  v2("/user/{id}", ({ params }, { world }) => found(world.state.users.get(params.id ?? ""), NOT_FOUND.user)),

  v2("/project/{slug}", ({ params }, { world }) => found(served(world, visibleProject(world, params.slug)), NOT_FOUND.project)),

  v2("/project/{slug}/pipeline", (request, context) => {
    const project = visibleProject(context.world, request.params.slug);
    if (!project) return errorReply(404, NOT_FOUND.project);
    const branch = request.query.get("branch");
    // A branch filter leaves out tag pipelines, which carry no branch (API.md §4.3).
    const pipelines = pipelinesOf(context.world.state, project.slug).filter((p) => branch === null || p.vcs?.branch === branch);
    return pageReply(context, "pipelines", request, servedAll(context.world, pipelines), (p) => p.id);
  }),

  v2("/project/{slug}/pipeline/{number}", ({ params }, { world }) => {
    const project = visibleProject(world, params.slug);
    if (!project) return errorReply(404, NOT_FOUND.project);
    const number = Number(params.number);
    return found(
      served(
        world,
        pipelinesOf(world.state, project.slug).find((p) => p.number === number),
      ),
      NOT_FOUND.pipeline,
    );
  }),

  v2("/pipeline/{id}", ({ params }, { world }) => found(served(world, visiblePipeline(world, params.id)), NOT_FOUND.pipeline)),

  v2("/pipeline/{id}/workflow", (request, context) => {
    const pipeline = visiblePipeline(context.world, request.params.id);
    if (!pipeline) return errorReply(404, NOT_FOUND.pipeline);
    const { workflows, workflowsByPipeline } = context.world.state;
    const items = (workflowsByPipeline.get(pipeline.id) ?? []).flatMap((id) => workflows.get(id) ?? []);
    return pageReply(context, "workflows", request, servedAll(context.world, items), (w) => w.id);
  }),

  v2("/workflow/{id}", ({ params }, { world }) => found(served(world, visibleWorkflow(world, params.id)), NOT_FOUND.workflow)),

  v2("/workflow/{id}/job", (request, context) => {
    const workflow = visibleWorkflow(context.world, request.params.id);
    if (!workflow) return errorReply(404, NOT_FOUND.workflow);
    const jobs = context.world.state.jobsByWorkflow.get(workflow.id) ?? [];
    return pageReply(context, "jobs", request, servedAll(context.world, jobs), (j) => j.id);
  }),

  v2("/project/{slug}/job/{number}", ({ params }, { world }) => {
    const project = visibleProject(world, params.slug);
    if (!project) return errorReply(404, NOT_FOUND.project);
    // Approval jobs have a job number but no details: CircleCI answers 404 for them (API.md §4.6).
    return found(served(world, world.state.jobDetails.get(jobKey(project.slug, Number(params.number)))), NOT_FOUND.job);
  }),

  v2("/project/{slug}/{number}/tests", (request, context) => {
    const project = visibleProject(context.world, request.params.slug);
    if (!project) return errorReply(404, NOT_FOUND.project);
    const job = context.world.state.jobDetails.get(jobKey(project.slug, Number(request.params.number)));
    if (!job) return errorReply(404, NOT_FOUND.job);
    return pageReply(context, "tests", request, testResultsOf(project.slug, job), (test) => `${test.classname}\u0000${test.name}`);
  }),

  v2("/pipeline", (request, context) => {
    const { world } = context;
    const orgSlug = request.query.get("org-slug");
    const orgs = [...world.state.orgs.values()].filter((org) => orgSlug === null || shortOrgSlug(org.slug) === shortOrgSlug(orgSlug));
    if (orgs.length === 0) return errorReply(404, NOT_FOUND.organization);
    const mine = request.query.get("mine") === "true";
    const pipelines = orgFeed(world.state, new Set(orgs.map((org) => org.slug))).filter(
      (pipeline) => !mine || pipeline.trigger.actor.login === world.me.login,
    );
    return pageReply(context, "pipelines", request, servedAll(world, pipelines), (p) => p.id);
  }),

  v2("/context", (request, context) => {
    const org = contextOwner(context.world.state, request.query);
    if (!org) return errorReply(404, NOT_FOUND.organization);
    return pageReply(context, "contexts", request, context.world.state.contexts.get(org.id) ?? [], (c) => c.id);
  }),

  v2("/context/{id}", ({ params }, { world }) => withContext(world.state, params.id, (found) => jsonReply(200, found))),

  v2("/context/{id}/environment-variable", (request, context) =>
    withContext(context.world.state, request.params.id, (found) =>
      pageReply(context, "envVars", request, context.world.state.envVars.get(found.id) ?? [], (v) => v.variable),
    ),
  ),
];

/** A record as this world serves it: with the `respelledSlugs` deviation, its project slugs spelled another way. */
function served<T extends object>(world: World, record: T | undefined): T | undefined {
  return record !== undefined && world.deviations.respelledSlugs ? withRespelledSlugs(record) : record;
}

function servedAll<T extends object>(world: World, records: readonly T[]): readonly T[] {
  return world.deviations.respelledSlugs ? records.map(withRespelledSlugs) : records;
}

function found(value: object | undefined, notFoundMessage: string): Reply {
  return value ? jsonReply(200, value) : errorReply(404, notFoundMessage);
}

/**
 * One page of a list. The token is sealed to the endpoint, its path parameters and every filter, so
 * a client that drops a filter mid-walk gets a 404 rather than a silently different list.
 */
function pageReply<T>(context: V2Context, kind: ListKind, request: RouteRequest, items: readonly T[], keyOf: (item: T) => string): Reply {
  const filters = new URLSearchParams([...request.query].filter(([name]) => name !== "page-token"));
  filters.sort();
  const listScope = `${request.endpoint} ${JSON.stringify(request.params)} ${filters}`;
  const page = context.pages.page(kind, listScope, request.query.get("page-token"), items, keyOf);
  return page ? jsonReply(200, page) : errorReply(404, NOT_FOUND.page);
}

export function visibleProject(world: World, slug: string | undefined): ProjectWire | undefined {
  const canonical = slug === undefined ? undefined : world.canonicalSlug(slug);
  return canonical === undefined ? undefined : visibleProjectBySlug(world.state, canonical);
}

export function visibleProjectBySlug(state: SimState, canonicalSlug: string): ProjectWire | undefined {
  return state.hiddenProjects.has(canonicalSlug) ? undefined : state.projects.get(canonicalSlug);
}

function visiblePipeline(world: World, id: string | undefined): PipelineWire | undefined {
  const pipeline = world.state.pipelines.get(id ?? "");
  return pipeline && visibleProjectBySlug(world.state, pipeline.project_slug) ? pipeline : undefined;
}

export function visibleWorkflow(world: World, id: string | undefined): WorkflowWire | undefined {
  const workflow = world.state.workflows.get(id ?? "");
  return workflow && visibleProjectBySlug(world.state, workflow.project_slug) ? workflow : undefined;
}

/** Newest first, as CircleCI lists a project's pipelines. */
function pipelinesOf(state: SimState, canonicalSlug: string): PipelineWire[] {
  return (state.pipelinesByProject.get(canonicalSlug) ?? []).flatMap((id) => state.pipelines.get(id) ?? []);
}

/** CircleCI lists the pipelines of at most this many projects, the most recently built ones. */
const ORG_FEED_PROJECTS = 250;

/**
 * The pipelines of the organizations' projects that the token can see, every project whether or not anyone
 * asked for it, newest first (then by project and number, so the order is total).
 */
function orgFeed(state: SimState, orgSlugs: ReadonlySet<string>): PipelineWire[] {
  const builtProjects = [...state.projects.values()]
    .filter((project) => orgSlugs.has(project.organization_slug) && !state.hiddenProjects.has(project.slug))
    .map((project) => pipelinesOf(state, project.slug))
    .filter((pipelines): pipelines is [PipelineWire, ...PipelineWire[]] => pipelines.length > 0)
    .sort(([a], [b]) => newerFirst(a, b))
    .slice(0, ORG_FEED_PROJECTS);
  return builtProjects.flat().sort(newerFirst);
}

function newerFirst(a: PipelineWire, b: PipelineWire): number {
  const byTime = Date.parse(b.created_at) - Date.parse(a.created_at);
  if (byTime !== 0) return byTime;
  if (a.project_slug !== b.project_slug) return a.project_slug < b.project_slug ? -1 : 1;
  return b.number - a.number;
}

function collaboration(org: OrgWire) {
  return {
    id: org.id,
    "vcs-type": org.vcs_type,
    name: org.name,
    avatar_url: `https://avatars.example.invalid/${org.id}`,
    slug: org.slug,
  };
}

/** `owner-id` (an org UUID) or `owner-slug`; `owner-type` only matters on CircleCI Server. */
function contextOwner(state: SimState, query: URLSearchParams): OrgWire | undefined {
  const ownerId = query.get("owner-id");
  if (ownerId !== null) return state.orgs.get(ownerId);
  const ownerSlug = query.get("owner-slug");
  if (ownerSlug === null) return undefined;
  return [...state.orgs.values()].find((org) => shortOrgSlug(org.slug) === shortOrgSlug(ownerSlug));
}

const SHORT_VCS: Record<string, string> = { github: "gh", bitbucket: "bb" };

function shortOrgSlug(slug: string): string {
  const [vcs = "", ...rest] = slug.split("/");
  return [SHORT_VCS[vcs] ?? vcs, ...rest].join("/");
}

function withContext(state: SimState, id: string | undefined, answer: (context: ContextWire) => Reply): Reply {
  if (id === undefined || !UUID.test(id)) return errorReply(400, "context_id is invalid.");
  for (const contexts of state.contexts.values()) {
    const context = contexts.find((c) => c.id === id);
    if (context) return answer(context);
  }
  return errorReply(404, NOT_FOUND.context);
}
