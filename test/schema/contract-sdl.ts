/**
 * The public contract of the GraphQL core, of the actions and of the answers built so far (the status board, the
 * approvals inbox, test results and flaky tests), verbatim: the names users depend on. The schema may add around it, never change it.
 */
export const CONTRACT_SDL = /* GraphQL */ `
scalar DateTimeISO
scalar JSONObject
type Mutation {
  triggerPipeline(projectSlug: String!, branch: String, tag: String, parameters: JSONObject,
                  idempotencyKey: String): Pipeline!
  rerunWorkflow(id: ID!, fromFailed: Boolean = false, jobIds: [ID!], idempotencyKey: String): Workflow!
  cancelWorkflow(id: ID!): Workflow!
  approveJob(workflowId: ID!, jobId: ID!): Job!
  cancelJob(projectSlug: String!, number: Int!): JobDetail!
}
type Query {
  projects: [Project!]!
  project(slug: String!): Project
  pipeline(id: ID!): Pipeline
  pipelines(projectSlug: String!, branch: String, first: Int = 20, after: String): PipelineConnection!
  workflow(id: ID!): Workflow
  job(projectSlug: String!, number: Int!): JobDetail
  contexts: [Context!]!
  syncStatus: SyncStatus!
  statusBoard(projectSlugs: [String!], branch: String, allBranches: Boolean = false): [BoardEntry!]!
  pendingApprovals(projectSlug: String): [PendingApproval!]!
  flakyTests(projectSlug: String!, since: DateTimeISO): [FlakyTest!]!
}
type Subscription {
  pipelineCreated(projectSlug: String): Pipeline!
  workflowStatusChanged(projectSlug: String): Workflow!
  jobStatusChanged(projectSlug: String): Job!
  approvalRequested(projectSlug: String): PendingApproval!
  boardChanged(projectSlug: String): BoardEntry!
}
type BoardEntry { projectSlug: String! branch: String! workflowName: String! latest: Workflow!
  lastFinished: Workflow lastSuccessAt: DateTimeISO failingSince: DateTimeISO }
type PendingApproval { job: Job! workflow: Workflow! pipeline: Pipeline! waitingSince: DateTimeISO! }
type Project { slug: String! id: ID name: String! organizationName: String! organizationSlug: String
  organizationId: ID vcsUrl: String vcsProvider: String defaultBranch: String
  pipelines(branch: String, first: Int = 20, after: String): PipelineConnection! }
type PipelineConnection { edges: [PipelineEdge!]! nodes: [Pipeline!]! pageInfo: PageInfo! }
type PipelineEdge { cursor: String! node: Pipeline! }
type PageInfo { hasNextPage: Boolean! endCursor: String }
type Pipeline { id: ID! number: Int! projectSlug: String! project: Project state: PipelineState!
  createdAt: DateTimeISO! updatedAt: DateTimeISO trigger: Trigger! vcs: PipelineVcs
  errors: [PipelineError!]! workflows: [Workflow!]! }
type Trigger { type: String! receivedAt: DateTimeISO actor: Actor }
type Actor { login: String! avatarUrl: String }
type PipelineVcs { providerName: String branch: String tag: String revision: String
  targetRepositoryUrl: String originRepositoryUrl: String reviewId: String reviewUrl: String
  commitSubject: String commitBody: String }
type PipelineError { type: String! message: String! }
type Workflow { id: ID! name: String! status: WorkflowStatus! createdAt: DateTimeISO!
  stoppedAt: DateTimeISO durationSeconds: Float pipelineId: ID! pipelineNumber: Int!
  projectSlug: String! pipeline: Pipeline tag: String startedBy: ID canceledBy: ID erroredBy: ID
  jobs: [Job!]! }
type Job { id: ID! name: String! type: JobType! status: JobStatus! jobNumber: Int
  startedAt: DateTimeISO stoppedAt: DateTimeISO dependencies: [ID!]! approvalRequestId: ID
  approvedBy: ID canceledBy: ID projectSlug: String! details: JobDetail }
type JobDetail { number: Int! name: String! status: JobStatus! webUrl: String projectSlug: String!
  pipelineId: ID executor: Executor parallelism: Int durationMs: Float createdAt: DateTimeISO
  queuedAt: DateTimeISO startedAt: DateTimeISO stoppedAt: DateTimeISO contexts: [String!]!
  messages: [JobMessage!]! steps: [Step!] tests: [TestResult!]! }
type TestResult { name: String! classname: String file: String result: String! message: String
  runTimeSeconds: Float }
type FlakyTest { name: String! classname: String file: String jobName: String! workflowName: String!
  flakes: Int! lastFlakedAt: DateTimeISO! }
type Executor { type: String resourceClass: String }
type JobMessage { type: String! message: String! reason: String }
type Step { name: String! actions: [StepAction!]! }
type StepAction { index: Int! status: String exitCode: Int startTime: DateTimeISO
  endTime: DateTimeISO runTimeMillis: Float }
type Context { id: ID! name: String! createdAt: DateTimeISO!
  environmentVariables: [ContextVariable!]! }
type ContextVariable { variable: String! createdAt: DateTimeISO updatedAt: DateTimeISO }
type SyncStatus { running: Boolean! cycles: Int! lastCycleStartedAt: DateTimeISO
  lastCycleCompletedAt: DateTimeISO streams: [StreamStatus!]! }
type StreamStatus { stream: String! projectSlug: String lastSuccessAt: DateTimeISO
  lastError: String records: Int! }
enum PipelineState { CREATED ERRORED SETUP_PENDING SETUP PENDING UNKNOWN }
enum WorkflowStatus { SUCCESS RUNNING NOT_RUN FAILED ERROR FAILING ON_HOLD CANCELED UNAUTHORIZED UNKNOWN }
enum JobType { BUILD APPROVAL UNKNOWN }
enum JobStatus { SUCCESS RUNNING NOT_RUN FAILED RETRIED QUEUED NOT_RUNNING INFRASTRUCTURE_FAIL
  TIMEDOUT ON_HOLD TERMINATED_UNKNOWN BLOCKED CANCELED UNAUTHORIZED UNKNOWN }
`;
