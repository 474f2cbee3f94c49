/**
 * How many items the cost estimate assumes a list field holds when no argument says (a list with `first`, or a
 * list inside a connection that has one, is sized by that instead), by field coordinate (`Type.field`). The figures
 * are CircleCI's ordinary cardinalities, not worst cases: an estimate built from them is what an honest query really
 * costs, so it never refuses one, while the count of objects actually produced during execution stops a query whose
 * data turns out larger. Only lists of objects are here; lists of scalars cost nothing.
 */
export type AssumedListSizes = Readonly<Record<string, number>>;

/** The projects a gateway watches (`CIRCLECI_PROJECT_SLUGS`): an organisation's active repositories. */
const WATCHED_PROJECTS = 20;

export const ASSUMED_LIST_SIZES: AssumedListSizes = {
  // The configured projects. An organisation builds a few to a few tens of repositories on CircleCI, and every
  // configured project costs the sync calls each cycle, so deployments list the ones they watch.
  "Query.projects": WATCHED_PROJECTS,
  // An organisation's contexts: one per environment or group of secrets (deploy, staging, registry, ...), a few to
  // tens. The simulator seeds 3 per organisation.
  "Query.contexts": 20,
  // A context holds a handful of secrets, tens at most; the simulator gives each 1 to 6.
  "Context.environmentVariables": 10,
  // CircleCI reports one error when it could not compile a pipeline's configuration, and none otherwise.
  "Pipeline.errors": 1,
  // A few: most configurations run one to three workflows (the simulator draws 1-3), and a rerun or a dynamic
  // configuration's continuation adds one more.
  "Pipeline.workflows": 3,
  // Tens: a build, test and deploy workflow of a service has 5 to 30 jobs (the simulator draws 2-12).
  "Workflow.jobs": 10,
  // CircleCI attaches a message to a job rarely (an infrastructure notice, a deprecation warning).
  "JobDetail.messages": 1,
  // Tens: spinning up the environment, preparing environment variables, checkout, cache restore and save, the
  // job's own commands, storing test results and artifacts (the simulator's jobs are short: 3 to 6).
  "JobDetail.steps": 10,
  // Per job, and low on purpose: a test job reports tens to hundreds of tests while most jobs of a workflow (build,
  // lint, deploy) report none, and the default maximum is sized for a page of 100 pipelines with every field, which
  // this figure multiplies by every job of it (the simulator's suites: 3 to 12). A query that asks many jobs' tests is
  // stopped by the count as it runs, not by the estimate.
  "JobDetail.tests": 2,
  // One action per parallel container: a job's parallelism, 1 for most jobs, a few for split test suites (the
  // simulator: 1 for 70%, up to 4).
  "Step.actions": 2,
  // One tile per workflow name of each watched project's branch: a service runs a handful of workflows (build and
  // test, deploy, nightly...; the simulator draws from five names).
  "Query.statusBoard": 5 * WATCHED_PROJECTS,
  // Approvals wait for a person: a few at a time across the watched projects, rarely more.
  "Query.pendingApprovals": WATCHED_PROJECTS,
  // One insight per workflow name of a project: the handful its configuration runs (as on the board).
  "Query.workflowInsights": 5,
  "Project.workflowInsights": 5,
  // One insight per job name of one workflow: as many as a workflow has jobs.
  "Query.jobInsights": 10,
  // The tests of a project that flaked in a month: a few to tens, or the suite is not trusted any more.
  "Query.flakyTests": 20,
  // The sync reports six streams per project (projects, pipelines, workflows, workflow jobs, job details, tests) and
  // one for the organisation's contexts.
  "SyncStatus.streams": 6 * WATCHED_PROJECTS + 1,
};

/** A list field no entry names (a schema other than the gateway's, such as a test's): enough to make nested lists multiply. */
export const DEFAULT_ASSUMED_LIST_SIZE = 10;
