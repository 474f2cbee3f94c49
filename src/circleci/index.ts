export { CircleCIClient } from "./client.js";
export type { CircleCIClientOptions, ListOptions } from "./client.js";
export type { ActionMessage, PipelineCreation, WorkflowRerun } from "./action-schemas.js";
export type { GitRef, PipelineParameters, RerunOptions, RunPipelineOptions, TriggerOptions } from "./actions.js";
export type { RequestEvent } from "./request.js";
export type { ClientStats } from "./stats.js";
export type { BreakerState, BreakerStats } from "./breaker.js";
export type { Page } from "./pagination.js";
export {
  AuthenticationError,
  BadRequestError,
  CircleCIError,
  CircleCIUnavailableError,
  MissingOrganizationIdError,
  NetworkError,
  NotFoundError,
  OutcomeUnknownError,
  PaginationError,
  PermissionError,
  PipelineNotCreatedError,
  ProjectNotFoundError,
  RateLimitedError,
  RecordRejectedError,
  ResponseFormatError,
  UnexpectedStatusError,
  UpstreamError,
} from "./errors.js";
export type { RecordRejection } from "./errors.js";
export type { OpenEnum, OpenEnumSpec } from "./open-enum.js";
export {
  buildLifecycles,
  buildOutcomes,
  jobStatuses,
  jobTypes,
  pipelineErrorTypes,
  pipelineStates,
  triggerTypes,
  vcsProviders,
  workflowStatuses,
} from "./schemas.js";
export type {
  Context,
  ContextEnvVar,
  JobDetails,
  JobStatus,
  JobSteps,
  JobType,
  Pipeline,
  PipelineState,
  Project,
  Step,
  StepAction,
  TestResult,
  TriggerType,
  User,
  Workflow,
  WorkflowJob,
  WorkflowStatus,
} from "./schemas.js";
export { tokenPrefix } from "./token.js";
