/**
 * Read-only views over a simulator state for the world and lifecycle tests: a stable serialization
 * (to compare worlds byte for byte) and the invariants every state must satisfy at every instant.
 */
import type { WorkflowJobWire, WorkflowWire } from "../../src/simulator/model.js";
import { jobKey, type SimState } from "../../src/simulator/state.js";
import { v1StatusOf } from "../../src/simulator/status.js";

const LIVE_WORKFLOW_STATUSES = new Set(["running", "failing", "on_hold"]);
const NEVER_NUMBERED = new Set(["blocked", "not_run"]);
const NOT_STARTED = new Set(["blocked", "queued", "on_hold", "not_run"]);

export function serialize(state: SimState): string {
  return JSON.stringify(state, (_key, value: unknown) => {
    if (value instanceof Map) return [...value.entries()];
    if (value instanceof Set) return [...value.values()];
    return value;
  });
}

export interface JobSighting {
  workflow: WorkflowWire;
  job: WorkflowJobWire;
}

export function jobSightings(state: SimState): JobSighting[] {
  const sightings: JobSighting[] = [];
  for (const [workflowId, jobs] of state.jobsByWorkflow) {
    const workflow = state.workflows.get(workflowId);
    if (!workflow) throw new Error(`jobsByWorkflow lists unknown workflow ${workflowId}`);
    for (const job of jobs) sightings.push({ workflow, job });
  }
  return sightings;
}

/** Every broken invariant, as readable lines; an empty list means the state is consistent. */
export function inconsistencies(state: SimState): string[] {
  return [...indexProblems(state), ...workflowProblems(state), ...jobProblems(state)];
}

function indexProblems(state: SimState): string[] {
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const [slug, ids] of state.pipelinesByProject) {
    if (!state.projects.has(slug)) problems.push(`pipelinesByProject has unknown project ${slug}`);
    let previous: { created: number; number: number } | undefined;
    for (const id of ids) {
      const pipeline = state.pipelines.get(id);
      if (!pipeline) {
        problems.push(`pipelinesByProject lists unknown pipeline ${id}`);
        continue;
      }
      listed.add(id);
      if (pipeline.project_slug !== slug) problems.push(`pipeline ${id} listed under ${slug}`);
      const current = { created: Date.parse(pipeline.created_at), number: pipeline.number };
      if (previous && (current.created > previous.created || current.number >= previous.number)) {
        problems.push(`pipelines of ${slug} not newest first at #${pipeline.number}`);
      }
      previous = current;
    }
  }
  for (const id of state.pipelines.keys()) if (!listed.has(id)) problems.push(`pipeline ${id} missing from its project list`);
  const workflowsListed = new Set<string>();
  for (const [pipelineId, ids] of state.workflowsByPipeline) {
    for (const id of ids) {
      workflowsListed.add(id);
      if (state.workflows.get(id)?.pipeline_id !== pipelineId) problems.push(`workflow ${id} listed under ${pipelineId}`);
    }
  }
  for (const id of state.workflows.keys()) {
    if (!workflowsListed.has(id)) problems.push(`workflow ${id} missing from workflowsByPipeline`);
    if (!state.jobsByWorkflow.has(id)) problems.push(`workflow ${id} missing from jobsByWorkflow`);
  }
  return problems;
}

function workflowProblems(state: SimState): string[] {
  const problems: string[] = [];
  for (const workflow of state.workflows.values()) {
    const live = LIVE_WORKFLOW_STATUSES.has(workflow.status);
    if (live !== (workflow.stopped_at === null)) problems.push(`workflow ${workflow.id} ${workflow.status} with stopped_at ${workflow.stopped_at}`);
    if ((workflow.status === "canceled") !== ("canceled_by" in workflow)) problems.push(`workflow ${workflow.id} canceled_by mismatch`);
    if ((workflow.status === "error") !== ("errored_by" in workflow)) problems.push(`workflow ${workflow.id} errored_by mismatch`);
    if (workflow.pipeline_number !== state.pipelines.get(workflow.pipeline_id)?.number) problems.push(`workflow ${workflow.id} pipeline number`);
  }
  return problems;
}

function jobProblems(state: SimState): string[] {
  const problems: string[] = [];
  const numberOwners = new Map<string, string>();
  for (const { workflow, job } of jobSightings(state)) {
    const where = `job ${job.name} (${job.id}) in ${workflow.id}`;
    if (Object.values(job).includes(undefined)) problems.push(`${where} has an undefined field`);
    if (NEVER_NUMBERED.has(job.status) && job.job_number !== undefined) problems.push(`${where} is ${job.status} with a number`);
    if (!NEVER_NUMBERED.has(job.status) && job.status !== "canceled" && job.job_number === undefined) {
      problems.push(`${where} is ${job.status} without a number`);
    }
    if (NOT_STARTED.has(job.status) && job.started_at != null) problems.push(`${where} is ${job.status} but started`);
    if (job.status === "running" && (job.started_at == null || job.stopped_at != null)) problems.push(`${where} running timestamps`);
    if (job.type === "approval" && job.approval_request_id !== job.id) problems.push(`${where} approval_request_id`);
    if (job.type === "build" && ("approval_request_id" in job || "approved_by" in job)) problems.push(`${where} build with approval fields`);
    if (job.job_number === undefined) continue;
    const key = jobKey(job.project_slug, job.job_number);
    const owner = numberOwners.get(key);
    if (owner !== undefined && owner !== job.id) problems.push(`${where} shares number ${job.job_number} with ${owner}`);
    numberOwners.set(key, job.id);
    problems.push(...recordProblems(state, where, key, job));
  }
  return problems;
}

function recordProblems(state: SimState, where: string, key: string, job: WorkflowJobWire): string[] {
  const detail = state.jobDetails.get(key);
  const build = state.builds.get(key);
  if (job.type === "approval") return detail || build ? [`${where}: approval has job details or a build`] : [];
  if (!detail || !build) return [`${where}: numbered build job without details/build`];
  const problems: string[] = [];
  if (detail.status !== job.status || detail.name !== job.name) problems.push(`${where}: details say ${detail.status}`);
  const v1 = v1StatusOf(job.status);
  if (build.status !== v1.status || build.lifecycle !== v1.lifecycle || build.outcome !== v1.outcome) {
    problems.push(`${where}: build says ${build.lifecycle}/${build.status}`);
  }
  if (build.workflows.job_id !== job.id) problems.push(`${where}: build names job ${build.workflows.job_id}`);
  if (detail.latest_workflow.id !== build.workflows.workflow_id) problems.push(`${where}: details and build name different workflows`);
  const running = job.status === "running" || job.status === "queued";
  if (running !== (detail.duration === null && build.stop_time === null)) problems.push(`${where}: duration/stop_time vs ${job.status}`);
  if (build.build_time_millis !== detail.duration) problems.push(`${where}: build time differs from duration`);
  if (detail.parallel_runs.length !== detail.parallelism) problems.push(`${where}: parallel_runs`);
  for (const step of build.steps ?? []) {
    if (step.actions.length !== build.parallel) problems.push(`${where}: step ${step.name} has ${step.actions.length} actions`);
  }
  return problems;
}
