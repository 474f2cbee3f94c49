import { boardEntryOfIndex } from "../answers/index.js";
import type { BoardEntry as BoardEntryRecord, BoardIndexEntry, FlakyTest as FlakyTestRecord, WorkflowInsight as WorkflowInsightRecord } from "../answers/index.js";
import type { PendingApproval as PendingApprovalRecord } from "../loaders/pending-approvals.js";
import type { ApprovalRequested } from "../store/events.js";
import type {
  ContextEnvVar,
  JobDetails,
  Pipeline as WirePipeline,
  Step as WireStep,
  TestResult as WireTestResult,
  Workflow as WireWorkflow,
  WorkflowJob,
} from "../circleci/index.js";
import type { JobRecord, StoredContext, StoredProject, StreamStatusRecord, SyncStatusRecord } from "../store/index.js";
import type { BoardEntry } from "../schema/board-entry.js";
import type { Context, ContextVariable } from "../schema/context.js";
import { JobStatus, JobType, PipelineState, WorkflowStatus, enumValueOf } from "../schema/enums.js";
import type { Job } from "../schema/job.js";
import type { WorkflowInsight } from "../schema/insights.js";
import type { JobDetail, Step } from "../schema/job-detail.js";
import type { PendingApproval } from "../schema/pending-approval.js";
import type { FlakyTest, TestResult } from "../schema/tests.js";
import type { Pipeline } from "../schema/pipeline.js";
import type { Project } from "../schema/project.js";
import type { StreamStatus, SyncStatus } from "../schema/sync-status.js";
import type { Workflow } from "../schema/workflow.js";

/**
 * Pure mappers from CircleCI's documents (snake_case, as the store keeps them) to the GraphQL objects. Timestamps
 * arrive as ISO strings of any precision (and as strings again after a trip through Redis): they become Dates here.
 */

/**
 * Maps each document once. The loaders hand every request the very documents the L1 holds, so a warm dashboard
 * would otherwise rebuild the same ~1000 objects (and their Dates) per request: mapping was most of the read
 * path's own CPU and garbage. Sound because neither the documents nor the mapped objects are ever mutated; a
 * document the L1 drops is collected with its mapping.
 */
function mappedOnce<D extends object, R>(map: (document: D) => R): (document: D) => R {
  const mapped = new WeakMap<D, R>();
  return (document) => {
    let result = mapped.get(document);
    if (result === undefined) {
      result = map(document);
      mapped.set(document, result);
    }
    return result;
  };
}

export function toDate(timestamp: string): Date;
export function toDate(timestamp: string | null | undefined): Date | null;
export function toDate(timestamp: string | null | undefined): Date | null {
  return timestamp == null ? null : new Date(timestamp);
}

/** Falls back to the slug's own parts (`<vcs>/<org>/<repo>`) while CircleCI cannot show the project. */
export const mapProject = mappedOnce((stored: StoredProject): Project => {
  const { project, slug } = stored;
  if (project === undefined) {
    const [, organization = slug, name = slug] = slug.split("/");
    return {
      slug,
      id: null,
      name,
      organizationName: organization,
      organizationSlug: null,
      organizationId: null,
      vcsUrl: null,
      vcsProvider: null,
      defaultBranch: null,
    };
  }
  return {
    slug,
    id: project.id,
    name: project.name,
    organizationName: project.organization_name,
    organizationSlug: project.organization_slug,
    organizationId: project.organization_id,
    vcsUrl: project.vcs_info.vcs_url,
    vcsProvider: project.vcs_info.provider,
    defaultBranch: project.vcs_info.default_branch,
  };
});

/** The project as a user sees it: under `slug` (its configured spelling) rather than its stored key. */
export function mapProjectAs(stored: StoredProject, slug: string): Project {
  const project = mapProject(stored);
  return project.slug === slug ? project : { ...project, slug };
}

export const mapPipeline = mappedOnce((pipeline: WirePipeline): Pipeline => {
  const { trigger, vcs } = pipeline;
  return {
    id: pipeline.id,
    number: pipeline.number,
    projectSlug: pipeline.project_slug,
    state: enumValueOf(PipelineState, pipeline.state),
    createdAt: toDate(pipeline.created_at),
    updatedAt: toDate(pipeline.updated_at),
    trigger: {
      type: trigger.type,
      receivedAt: toDate(trigger.received_at),
      actor: { login: trigger.actor.login, avatarUrl: trigger.actor.avatar_url ?? null },
    },
    vcs:
      vcs == null
        ? null
        : {
            providerName: vcs.provider_name ?? null,
            branch: vcs.branch ?? null,
            tag: vcs.tag ?? null,
            revision: vcs.revision ?? null,
            targetRepositoryUrl: vcs.target_repository_url,
            originRepositoryUrl: vcs.origin_repository_url,
            reviewId: vcs.review_id ?? null,
            reviewUrl: vcs.review_url ?? null,
            commitSubject: vcs.commit?.subject ?? null,
            commitBody: vcs.commit?.body ?? null,
          },
    errors: pipeline.errors.map(({ type, message }) => ({ type, message })),
  };
});

export const mapWorkflow = mappedOnce((workflow: WireWorkflow): Workflow => {
  const createdAt = toDate(workflow.created_at);
  const stoppedAt = toDate(workflow.stopped_at);
  return {
    id: workflow.id,
    name: workflow.name,
    status: enumValueOf(WorkflowStatus, workflow.status),
    createdAt,
    stoppedAt,
    durationSeconds: stoppedAt === null ? null : (stoppedAt.getTime() - createdAt.getTime()) / 1000,
    pipelineId: workflow.pipeline_id,
    pipelineNumber: workflow.pipeline_number,
    projectSlug: workflow.project_slug,
    tag: workflow.tag ?? null,
    startedBy: workflow.started_by,
    canceledBy: workflow.canceled_by ?? null,
    erroredBy: workflow.errored_by ?? null,
  };
});

/** A list as the L1 holds it, mapped once too: a warm answer reuses the list and its items. */
export const mapWorkflows = mappedOnce((workflows: readonly WireWorkflow[]): Workflow[] => workflows.map(mapWorkflow));

export const mapJobs = mappedOnce((jobs: readonly WorkflowJob[]): Job[] => jobs.map(mapJob));

export const mapJob = mappedOnce((job: WorkflowJob): Job => {
  return {
    id: job.id,
    name: job.name,
    type: enumValueOf(JobType, job.type),
    status: enumValueOf(JobStatus, job.status),
    jobNumber: job.job_number ?? null,
    startedAt: toDate(job.started_at),
    stoppedAt: toDate(job.stopped_at),
    dependencies: [...job.dependencies],
    approvalRequestId: job.approval_request_id ?? null,
    approvedBy: job.approved_by ?? null,
    canceledBy: job.canceled_by ?? null,
    projectSlug: job.project_slug,
  };
});

export function mapBoardEntry(entry: BoardEntryRecord): BoardEntry {
  return {
    projectSlug: entry.projectSlug,
    branch: entry.branch,
    workflowName: entry.workflowName,
    latest: mapWorkflow(entry.latest),
    lastFinished: entry.lastFinished === null ? null : mapWorkflow(entry.lastFinished),
    lastSuccessAt: toDate(entry.lastSuccessAt),
    failingSince: toDate(entry.failingSince),
  };
}

/** A stored board entry, mapped once: a warm board answer reuses the entries the L1 holds, and their mappings. */
export const mapBoardIndexEntry = mappedOnce((entry: BoardIndexEntry): BoardEntry => mapBoardEntry(boardEntryOfIndex(entry)));

/** A board entry under `projectSlug` (its project's configured spelling) rather than the project's stored key. */
export function spelled(entry: BoardEntry, projectSlug: string): BoardEntry {
  return entry.projectSlug === projectSlug ? entry : { ...entry, projectSlug };
}

/** An approval as the inbox lists it, or as `approvalRequested` announced it. */
export function mapPendingApproval(approval: PendingApprovalRecord | ApprovalRequested): PendingApproval {
  const waitingSince = "record" in approval ? approval.record.waitingSince : approval.waitingSince;
  return { job: mapJob(approval.job), workflow: mapWorkflow(approval.workflow), pipeline: mapPipeline(approval.pipeline), waitingSince: toDate(waitingSince) };
}

export function mapWorkflowInsight(insight: WorkflowInsightRecord): WorkflowInsight {
  return { ...insight, windowStart: toDate(insight.windowStart), windowEnd: toDate(insight.windowEnd) };
}

export function mapFlakyTest(flaky: FlakyTestRecord): FlakyTest {
  return { ...flaky, lastFlakedAt: toDate(flaky.lastFlakedAt) };
}

/** Per stored list: the L1 hands every request the same one. */
export const mapTestResults = mappedOnce((tests: readonly WireTestResult[]): TestResult[] =>
  tests.map((test) => ({
    name: test.name,
    classname: test.classname,
    file: test.file,
    result: test.result,
    message: test.message ?? null,
    runTimeSeconds: test.run_time,
  })),
);

export const mapJobDetail = mappedOnce((record: JobRecord): JobDetail => {
  const details: JobDetails = record.details;
  return {
    number: details.number,
    name: details.name,
    status: enumValueOf(JobStatus, details.status),
    webUrl: details.web_url,
    projectSlug: record.projectSlug,
    pipelineId: details.pipeline.id,
    executor: { type: details.executor.type ?? null, resourceClass: details.executor.resource_class },
    parallelism: details.parallelism,
    durationMs: details.duration ?? null,
    createdAt: toDate(details.created_at),
    queuedAt: toDate(details.queued_at),
    startedAt: toDate(details.started_at),
    stoppedAt: toDate(details.stopped_at),
    contexts: details.contexts.map((context) => context.name),
    messages: details.messages.map(({ type, message, reason }) => ({ type, message, reason: reason ?? null })),
    steps: record.steps === undefined ? null : record.steps.map(mapStep),
  };
});

/**
 * v1.1 marks nothing required, so a step may come without its name or actions and an action without its index.
 * The contract's fallbacks: the name its actions carry (else empty), no actions, and the action's position in the
 * list, which is the container index CircleCI numbers them by.
 */
function mapStep(step: WireStep): Step {
  const actions = step.actions ?? [];
  return {
    name: step.name ?? actions.find((action) => action.name != null)?.name ?? "",
    actions: actions.map((action, position) => ({
      index: action.index ?? position,
      status: action.status ?? null,
      exitCode: action.exit_code ?? null,
      startTime: toDate(action.start_time),
      endTime: toDate(action.end_time),
      runTimeMillis: action.run_time_millis ?? null,
    })),
  };
}

export const mapContext = mappedOnce((context: StoredContext): Context => {
  return {
    id: context.id,
    name: context.name,
    createdAt: toDate(context.created_at),
    environmentVariables: context.environment_variables.map(mapContextVariable),
  };
});

function mapContextVariable(variable: ContextEnvVar): ContextVariable {
  return { variable: variable.variable, createdAt: toDate(variable.created_at), updatedAt: toDate(variable.updated_at) };
}

export const mapSyncStatus = mappedOnce((status: SyncStatusRecord): SyncStatus => {
  return {
    running: status.running,
    cycles: status.cycles,
    lastCycleStartedAt: toDate(status.lastCycleStartedAt),
    lastCycleCompletedAt: toDate(status.lastCycleCompletedAt),
    streams: status.streams.map(mapStreamStatus),
  };
});

function mapStreamStatus(status: StreamStatusRecord): StreamStatus {
  return {
    stream: status.stream,
    projectSlug: status.projectSlug ?? null,
    lastSuccessAt: toDate(status.lastSuccessAt),
    lastError: status.lastError ?? null,
    records: status.records,
    rejected: status.rejected ?? 0,
    lastRejection: status.lastRejection ?? null,
  };
}
