import type {
  ContextWire,
  EnvVarWire,
  JobDetailWire,
  OrgWire,
  PipelineWire,
  ProjectWire,
  UserWire,
  V1BuildWire,
  WorkflowJobWire,
  WorkflowWire,
} from "./model.js";

/**
 * Everything the simulated CircleCI holds, in wire shapes. The HTTP layer only reads it; the
 * generator fills it and the lifecycle moves it forward in simulated time. Tests compare a
 * gateway's cache against it: it is the truth.
 */
export interface SimState {
  /** Simulated wall clock, epoch milliseconds. Moves only through the lifecycle's `advance`. */
  now: number;
  users: Map<string, UserWire>;
  /** By organization id. */
  orgs: Map<string, OrgWire>;
  /** By canonical slug (`gh/...`, `bb/...`, `circleci/...`), as in `ProjectWire.slug`. */
  projects: Map<string, ProjectWire>;
  /** Slugs of projects that exist but the token may not see: served as 404, like missing ones. */
  hiddenProjects: Set<string>;
  pipelines: Map<string, PipelineWire>;
  /** Pipeline ids per project slug, newest first. */
  pipelinesByProject: Map<string, string[]>;
  workflows: Map<string, WorkflowWire>;
  /** Workflow ids per pipeline id, in creation order. */
  workflowsByPipeline: Map<string, string[]>;
  /** Jobs per workflow id. A job id may appear under several workflows (reruns carry jobs over). */
  jobsByWorkflow: Map<string, WorkflowJobWire[]>;
  /** v2 job details by `jobKey(slug, number)`. Approval jobs have none (CircleCI answers 404). */
  jobDetails: Map<string, JobDetailWire>;
  /** v1.1 builds (with steps) by `jobKey(slug, number)`. `output_url` is added when served. */
  builds: Map<string, V1BuildWire>;
  /** Contexts per organization id. */
  contexts: Map<string, ContextWire[]>;
  /** Environment variable names per context id. */
  envVars: Map<string, EnvVarWire[]>;
}

export function jobKey(projectSlug: string, jobNumber: number): string {
  return `${projectSlug}#${jobNumber}`;
}

export function emptyState(now: number): SimState {
  return {
    now,
    users: new Map(),
    orgs: new Map(),
    projects: new Map(),
    hiddenProjects: new Set(),
    pipelines: new Map(),
    pipelinesByProject: new Map(),
    workflows: new Map(),
    workflowsByPipeline: new Map(),
    jobsByWorkflow: new Map(),
    jobDetails: new Map(),
    builds: new Map(),
    contexts: new Map(),
    envVars: new Map(),
  };
}
