/**
 * The simulator's world, held in CircleCI's own wire shapes so that serving a resource is a
 * lookup, never a translation. These types are written from the OpenAPI documents
 * (test/fixtures/openapi-v2.json, openapi-v1.1.json) and API.md, independently of the client's
 * zod schemas: the simulator is the second opinion that keeps the client honest.
 *
 * Optional fields are `?` and are *omitted* from objects when they do not apply (never set to
 * undefined or null unless the API sends null), because that is what CircleCI does.
 */

export type Iso = string;

export interface UserWire {
  id: string;
  login: string;
  name: string;
  avatar_url: string | null;
}

export interface ProjectWire {
  id: string;
  slug: string;
  name: string;
  organization_name: string;
  organization_slug: string;
  organization_id: string;
  vcs_info: { vcs_url: string; provider: "GitHub" | "Bitbucket" | "CircleCI"; default_branch: string };
}

export interface PipelineWire {
  id: string;
  number: number;
  project_slug: string;
  created_at: Iso;
  updated_at?: Iso;
  state: string;
  errors: { type: string; message: string }[];
  trigger: { type: string; received_at: Iso; actor: { login: string; avatar_url: string | null } };
  trigger_parameters?: Record<string, unknown>;
  vcs?: {
    /** Null only with the `nullProviderName` deviation. */
    provider_name: string | null;
    origin_repository_url: string;
    target_repository_url: string;
    revision: string | null;
    branch?: string;
    tag?: string;
    review_id?: string;
    review_url?: string;
    commit?: { subject: string | null; body: string | null };
  };
}

export interface WorkflowWire {
  id: string;
  name: string;
  pipeline_id: string;
  pipeline_number: number;
  project_slug: string;
  status: string;
  started_by: string;
  created_at: Iso;
  stopped_at: Iso | null;
  canceled_by?: string;
  errored_by?: string;
  tag?: "setup" | null;
  auto_rerun_number?: number;
  max_auto_reruns?: number;
}

export interface WorkflowJobWire {
  id: string;
  name: string;
  type: string;
  status: string;
  project_slug: string;
  dependencies: string[];
  started_at?: Iso | null;
  stopped_at?: Iso | null;
  job_number?: number;
  approval_request_id?: string;
  approved_by?: string;
  canceled_by?: string;
  requires?: Record<string, string[]>;
}

export interface JobDetailWire {
  number: number;
  name: string;
  status: string;
  web_url: string;
  project: { id: string; slug: string; name: string; external_url: string };
  organization: { name: string };
  pipeline: { id: string };
  latest_workflow: { id: string; name: string };
  executor: { resource_class: string; type?: string };
  parallelism: number;
  parallel_runs: { index: number; status: string }[];
  created_at: Iso;
  queued_at: Iso;
  started_at?: Iso | null;
  stopped_at?: Iso | null;
  duration: number | null;
  messages: { type: string; message: string; reason?: string }[];
  contexts: { name: string }[];
}

/**
 * v1.1 `GET /project/:vcs/:org/:repo/:build_num`: only the fields we model, the rest omitted. `build_num` and
 * `steps` are absent only with the `bareBuilds` deviation (the v1.1 document requires nothing).
 */
export interface V1BuildWire {
  build_num?: number;
  build_url: string;
  vcs_url: string;
  vcs_revision: string | null;
  branch: string | null;
  subject: string | null;
  body: string | null;
  queued_at: Iso | null;
  start_time: Iso | null;
  stop_time: Iso | null;
  build_time_millis: number | null;
  lifecycle: string;
  outcome: string | null;
  status: string;
  parallel: number;
  why: string;
  workflows: { job_name: string; job_id: string; workflow_id: string; workflow_name: string; pipeline_id?: string };
  steps?: V1StepWire[];
}

export interface V1StepWire {
  name: string;
  actions: V1ActionWire[];
}

/** `step`, `type`, `background`, `parallel` and `has_output` are null only with the `nullActionFields` deviation. */
export interface V1ActionWire {
  name: string;
  step: number | null;
  index: number;
  type: string | null;
  status: string;
  bash_command: string | null;
  exit_code: number | null;
  start_time: Iso | null;
  end_time: Iso | null;
  run_time_millis: number | null;
  background: boolean | null;
  parallel: boolean | null;
  has_output: boolean | null;
  failed: boolean | null;
  output_url?: string;
}

export interface ContextWire {
  id: string;
  name: string;
  created_at: Iso;
}

export interface EnvVarWire {
  variable: string;
  context_id: string;
  created_at: Iso;
  updated_at: Iso;
}

export interface OrgWire {
  id: string;
  slug: string;
  name: string;
  vcs_type: "github" | "bitbucket" | "circleci";
}
