import type {
  ContextWire,
  JobDetailWire,
  PipelineWire,
  ProjectWire,
  UserWire,
  V1BuildWire,
  WorkflowJobWire,
  WorkflowWire,
} from "../../src/simulator/model.js";
import { resolveDeviations } from "../../src/simulator/deviations.js";
import { emptyState, jobKey } from "../../src/simulator/state.js";
import type { World } from "../../src/simulator/world.js";

/**
 * A small hand-made world whose every item is known, so tests can pin exact server behaviour
 * (order, pages, 404s) without depending on the generator.
 */
export const NOW = Date.parse("2025-06-01T12:00:00.000Z");
const iso = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

export const ME: UserWire = { id: uuid(1), login: "octo", name: "Octo Cat", avatar_url: null };
const OTHER: UserWire = { id: uuid(2), login: "hubot", name: "Hubot", avatar_url: "https://avatars.example.invalid/hubot" };

export const ORG_ID = uuid(10);
const CIRCLECI_ORG_ID = uuid(11);
export const CIRCLECI_SLUG = "circleci/43G3kM5RtfFE7v5sa4nWAU/44n9pujWcTnVZ2b5S8Fnat";

function project(slug: string, id: number, orgId: string): ProjectWire {
  const [vcs, org, name] = slug.split("/") as [string, string, string];
  return {
    id: uuid(id),
    slug,
    name,
    organization_name: org,
    organization_slug: `${vcs}/${org}`,
    organization_id: orgId,
    vcs_info: { vcs_url: `https://github.com/${org}/${name}`, provider: vcs === "gh" ? "GitHub" : "CircleCI", default_branch: "main" },
  };
}

function pipeline(slug: string, id: number, number: number, minutesAgo: number, ref: { branch: string } | { tag: string }): PipelineWire {
  return {
    id: uuid(id),
    number,
    project_slug: slug,
    created_at: iso(minutesAgo),
    state: "created",
    errors: [],
    trigger: { type: "webhook", received_at: iso(minutesAgo), actor: { login: ME.login, avatar_url: null } },
    vcs: {
      provider_name: "GitHub",
      origin_repository_url: "https://github.com/acme/api",
      target_repository_url: "https://github.com/acme/api",
      revision: "0123456789abcdef0123456789abcdef01234567",
      ...ref,
      commit: { subject: `Change ${number}`, body: null },
    },
  };
}

function workflow(p: PipelineWire, id: number, name: string, status: string): WorkflowWire {
  return {
    id: uuid(id),
    name,
    pipeline_id: p.id,
    pipeline_number: p.number,
    project_slug: p.project_slug,
    status,
    started_by: ME.id,
    created_at: p.created_at.replace(/\.\d{3}Z$/, "Z"),
    stopped_at: null,
  };
}

function jobDetail(slug: string, number: number, name: string, status: string, w: WorkflowWire): JobDetailWire {
  return {
    number,
    name,
    status,
    web_url: `https://app.circleci.com/pipelines/${slug}/${w.pipeline_number}/workflows/${w.id}/jobs/${number}`,
    project: { id: uuid(100), slug, name: "api", external_url: "https://github.com/acme/api" },
    organization: { name: "acme" },
    pipeline: { id: w.pipeline_id },
    latest_workflow: { id: w.id, name: w.name },
    executor: { resource_class: "medium", type: "docker" },
    parallelism: 1,
    parallel_runs: [{ index: 0, status }],
    created_at: iso(30),
    queued_at: iso(30),
    started_at: iso(29),
    stopped_at: null,
    duration: null,
    messages: [],
    contexts: [{ name: "deploy-keys" }],
  };
}

export interface TinyWorld {
  world: World;
  ids: {
    /** gh/acme/api pipelines, newest first. */
    pipelines: string[];
    mainPipelines: string[];
    tagPipeline: string;
    workflow: string;
    rerunWorkflow: string;
    jobs: string[];
    hiddenPipeline: string;
    hiddenWorkflow: string;
    contexts: string[];
  };
}

/** gh/acme/api: 7 pipelines (5 on main, 1 on a feature branch, 1 tag); gh/acme/secret: hidden; one circleci/ project. */
export function tinyWorld(): TinyWorld {
  const state = emptyState(NOW);
  const slug = "gh/acme/api";
  state.users.set(ME.id, ME).set(OTHER.id, OTHER);
  state.orgs.set(ORG_ID, { id: ORG_ID, slug: "gh/acme", name: "acme", vcs_type: "github" });
  state.orgs.set(CIRCLECI_ORG_ID, { id: CIRCLECI_ORG_ID, slug: "circleci/43G3kM5RtfFE7v5sa4nWAU", name: "gitlab-group", vcs_type: "circleci" });
  for (const p of [project(slug, 100, ORG_ID), project("gh/acme/secret", 101, ORG_ID), project(CIRCLECI_SLUG, 102, CIRCLECI_ORG_ID)]) {
    state.projects.set(p.slug, p);
  }
  state.hiddenProjects.add("gh/acme/secret");

  const refs: ({ branch: string } | { tag: string })[] = [
    { branch: "main" },
    { branch: "feature/x" },
    { branch: "main" },
    { tag: "v1.0.0" },
    { branch: "main" },
    { branch: "main" },
    { branch: "main" },
  ];
  // Pipeline number n was created (8 - n) * 10 minutes ago: number 7 is the newest.
  const pipelines = refs.map((ref, i) => pipeline(slug, 200 + i, i + 1, (7 - i) * 10, ref)).reverse();
  for (const p of pipelines) state.pipelines.set(p.id, p);
  state.pipelinesByProject.set(slug, pipelines.map((p) => p.id));

  const newest = pipelines[0] as PipelineWire;
  const first = workflow(newest, 300, "build-test-deploy", "failed");
  const rerun = workflow(newest, 301, "build-test-deploy", "on_hold");
  for (const w of [first, rerun]) state.workflows.set(w.id, w);
  state.workflowsByPipeline.set(newest.id, [first.id, rerun.id]);

  const jobs: WorkflowJobWire[] = [
    { id: uuid(400), name: "build", type: "build", status: "success", project_slug: slug, dependencies: [], job_number: 101, started_at: iso(29), stopped_at: iso(28) },
    { id: uuid(401), name: "test", type: "build", status: "running", project_slug: slug, dependencies: [uuid(400)], job_number: 102, started_at: iso(27), stopped_at: null },
    { id: uuid(402), name: "lint", type: "build", status: "queued", project_slug: slug, dependencies: [uuid(400)], job_number: 104 },
    { id: uuid(403), name: "hold", type: "approval", status: "on_hold", project_slug: slug, dependencies: [uuid(401)], job_number: 103, approval_request_id: uuid(403) },
    { id: uuid(404), name: "deploy", type: "build", status: "blocked", project_slug: slug, dependencies: [uuid(403)] },
  ];
  state.jobsByWorkflow.set(rerun.id, jobs);
  state.jobsByWorkflow.set(first.id, jobs.slice(0, 2));
  state.jobDetails.set(jobKey(slug, 101), jobDetail(slug, 101, "build", "success", rerun));
  state.jobDetails.set(jobKey(slug, 102), jobDetail(slug, 102, "test", "running", rerun));
  state.builds.set(jobKey(slug, 101), v1Build(slug, 101));

  const hiddenPipeline = pipeline("gh/acme/secret", 250, 1, 5, { branch: "main" });
  const hiddenWorkflow = workflow(hiddenPipeline, 350, "secret", "success");
  state.pipelines.set(hiddenPipeline.id, hiddenPipeline);
  state.pipelinesByProject.set("gh/acme/secret", [hiddenPipeline.id]);
  state.workflows.set(hiddenWorkflow.id, hiddenWorkflow);
  state.workflowsByPipeline.set(hiddenPipeline.id, [hiddenWorkflow.id]);
  state.jobsByWorkflow.set(hiddenWorkflow.id, []);
  state.jobDetails.set(jobKey("gh/acme/secret", 1), jobDetail("gh/acme/secret", 1, "build", "success", hiddenWorkflow));

  const contexts: ContextWire[] = ["deploy-keys", "npm", "slack"].map((name, i) => ({ id: uuid(500 + i), name, created_at: iso(1000 + i) }));
  state.contexts.set(ORG_ID, contexts);
  state.envVars.set(
    uuid(500),
    ["AWS_KEY", "AWS_SECRET", "REGION"].map((variable) => ({ variable, context_id: uuid(500), created_at: iso(900), updated_at: iso(800) })),
  );

  return {
    world: worldAround(state),
    ids: {
      pipelines: pipelines.map((p) => p.id),
      mainPipelines: pipelines.filter((p) => p.vcs?.branch === "main").map((p) => p.id),
      tagPipeline: uuid(203),
      workflow: first.id,
      rerunWorkflow: rerun.id,
      jobs: jobs.map((j) => j.id),
      hiddenPipeline: hiddenPipeline.id,
      hiddenWorkflow: hiddenWorkflow.id,
      contexts: contexts.map((c) => c.id),
    },
  };
}

function v1Build(slug: string, number: number): V1BuildWire {
  const action = (name: string, step: number, bash: string | null, exitCode: number | null, hasOutput: boolean) => ({
    name,
    step,
    index: 0,
    type: "test",
    status: exitCode === 0 || exitCode === null ? "success" : "failed",
    bash_command: bash,
    exit_code: exitCode,
    start_time: iso(29),
    end_time: iso(28),
    run_time_millis: 60_000,
    background: false,
    parallel: false,
    has_output: hasOutput,
    failed: exitCode ? true : null,
  });
  return {
    build_num: number,
    build_url: `https://circleci.com/${slug}/${number}`,
    vcs_url: "https://github.com/acme/api",
    vcs_revision: "0123456789abcdef0123456789abcdef01234567",
    branch: "main",
    subject: "Change 7",
    body: null,
    queued_at: iso(30),
    start_time: iso(29),
    stop_time: iso(28),
    build_time_millis: 60_000,
    lifecycle: "finished",
    outcome: "success",
    status: "success",
    parallel: 1,
    why: "github",
    workflows: { job_name: "build", job_id: uuid(400), workflow_id: uuid(301), workflow_name: "build-test-deploy" },
    steps: [
      { name: "Spin up environment", actions: [action("Spin up environment", 0, null, null, true)] },
      { name: "npm test", actions: [action("npm test", 101, "npm test", 1, true)] },
      { name: "Save cache", actions: [action("Save cache", 102, null, null, false)] },
    ],
  };
}

const SHORT_VCS: Record<string, string> = { gh: "gh", github: "gh", bb: "bb", bitbucket: "bb", circleci: "circleci" };

/** Just enough `World` for the HTTP layer, which only reads `state`, `me` and `canonicalSlug`. */
function worldAround(state: ReturnType<typeof emptyState>): World {
  const unsupported = () => {
    throw new Error("not supported by the tiny world");
  };
  return {
    state,
    me: ME,
    deviations: resolveDeviations(undefined),
    advance: (ms) => {
      state.now += ms;
    },
    triggerPipeline: unsupported,
    rerunWorkflow: unsupported,
    approve: unsupported,
    cancelWorkflow: unsupported,
    cancelJob: unsupported,
    approveAllOnHold: unsupported,
    reseed: unsupported,
    setProjectHidden: (slug, hidden) => {
      if (hidden) state.hiddenProjects.add(slug);
      else state.hiddenProjects.delete(slug);
    },
    canonicalSlug(slug) {
      const [vcs = "", ...rest] = slug.split("/");
      const short = SHORT_VCS[vcs];
      return short === undefined || rest.length !== 2 ? undefined : [short, ...rest].join("/");
    },
  };
}
