/**
 * The approvals inbox as the writer keeps it: an approval job is in it exactly while it is on hold in a live workflow.
 * Each re-read job list decides for the approval jobs it lists (in or out, every time, so the index heals from
 * whatever it held); a workflow that ends takes its approvals out with it; a job that stops waiting leaves. Pure.
 */
import type { Workflow, WorkflowJob } from "../circleci/index.js";
import { instantOf } from "../answers/run-order.js";
import type { PendingApprovalRecord } from "../store/store.js";
import { isLiveWorkflowStatus } from "../sync/live.js";

/** An approval that went on hold with this write: what `approvalRequested` announces. */
export interface ApprovalRequest {
  record: PendingApprovalRecord;
  job: WorkflowJob;
  workflow: Workflow;
}

/** How one write changes the inbox: approvals put in (or rewritten as they are), removed by job id, newly requested. */
export interface ApprovalChanges {
  put: PendingApprovalRecord[];
  remove: string[];
  requested: ApprovalRequest[];
}

/** A workflow's job list as written, each job at the state it is written in, with the status the store held before. */
export interface ListedJobs {
  workflow: Workflow;
  jobs: readonly WorkflowJob[];
  /** The job's status in the store before this write; undefined for a job it did not hold. */
  storedStatus(jobId: string): string | undefined;
}

export const NO_APPROVAL_CHANGES: ApprovalChanges = { put: [], remove: [], requested: [] };

export function isPendingApproval(job: WorkflowJob, workflow: Pick<Workflow, "status">): boolean {
  return job.type === "approval" && job.status === "on_hold" && isLiveWorkflowStatus(workflow.status);
}

/** What re-read job lists say of the approval jobs they list. A job listed twice (a rerun carried it) counts once. */
export function approvalsOfJobLists(projectSlug: string, lists: readonly ListedJobs[]): ApprovalChanges {
  const changes: ApprovalChanges = { put: [], remove: [], requested: [] };
  const decided = new Set<string>();
  for (const { workflow, jobs, storedStatus } of lists) {
    for (const job of jobs) {
      if (job.type !== "approval" || decided.has(job.id)) continue;
      decided.add(job.id);
      if (!isPendingApproval(job, workflow)) {
        changes.remove.push(job.id);
        continue;
      }
      const record: PendingApprovalRecord = {
        projectSlug,
        jobId: job.id,
        workflowId: workflow.id,
        pipelineId: workflow.pipeline_id,
        waitingSince: waitingSince(job, workflow, jobs),
      };
      changes.put.push(record);
      if (storedStatus(job.id) !== "on_hold") changes.requested.push({ record, job, workflow });
    }
  }
  return changes;
}

/** A job that ended (or changed in any way but going on hold) no longer waits, if it ever did. */
export function approvalsOfJob(job: WorkflowJob): ApprovalChanges {
  return job.type === "approval" && job.status !== "on_hold" ? { ...NO_APPROVAL_CHANGES, remove: [job.id] } : NO_APPROVAL_CHANGES;
}

/** A workflow that ended takes every approval it was waiting on out of the inbox. */
export function approvalsOfEndedWorkflow(workflow: Workflow, pending: readonly PendingApprovalRecord[]): ApprovalChanges {
  if (isLiveWorkflowStatus(workflow.status)) return NO_APPROVAL_CHANGES;
  return { ...NO_APPROVAL_CHANGES, remove: pending.filter((record) => record.workflowId === workflow.id).map((record) => record.jobId) };
}

/**
 * When an approval went on hold: CircleCI releases it once the last job it depends on stops, or at once when it
 * depends on none, and records neither moment on the job.
 */
function waitingSince(job: WorkflowJob, workflow: Workflow, listed: readonly WorkflowJob[]): string {
  const dependencies = new Set(job.dependencies);
  let latest: string | undefined;
  for (const other of listed) {
    const stopped = other.stopped_at;
    if (!dependencies.has(other.id) || stopped == null) continue;
    if (latest === undefined || instantOf(stopped) > instantOf(latest)) latest = stopped;
  }
  return latest ?? workflow.created_at;
}
