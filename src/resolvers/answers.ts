import "reflect-metadata";
import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from "type-graphql";
import { flakyTestsOf, insightWindow, InvalidWindowError, jobInsightsOf, workflowInsightsOf } from "../answers/index.js";
import type { InsightWindow } from "../answers/index.js";
import { LoaderInputError } from "../loaders/index.js";
import { loadPendingApprovals } from "../loaders/pending-approvals.js";
import { loadStatusBoard } from "../loaders/status-board.js";
import { loadWorkflowRuns } from "../loaders/workflow-runs.js";
import { BoardEntry } from "../schema/board-entry.js";
import { JobInsight, WorkflowInsight } from "../schema/insights.js";
import { FlakyTest } from "../schema/tests.js";
import { DateTimeISO } from "../schema/scalars.js";
import { PendingApproval } from "../schema/pending-approval.js";
import { Project } from "../schema/project.js";
import { projectSlugIn } from "./context.js";
import type { GatewayContext } from "./context.js";
import { badUserInput } from "./errors.js";
import { mapBoardIndexEntry, mapFlakyTest, mapPendingApproval, mapWorkflowInsight, spelled } from "./map.js";

const WORKFLOW_INSIGHTS =
  "over `[since, until)` (default: the 30 days before now), one per workflow name with runs in it (or just `workflowName`), by name; computed from the cache, fresh to the last sync.";
const UNTIL = "The window's end (exclusive); default now.";
const SINCE = "The window's start; default 30 days before `until`.";
const WORKFLOW_NAME = "Only this workflow name.";
const BRANCH = "Only this branch's runs; every branch when left out.";

/** What dashboards ask for, computed from the indexes the writer keeps. Arguments are declared last first. */
@Resolver()
export class AnswersResolver {
  @Query(() => [BoardEntry], {
    description:
      "The status board: for each project and branch, one entry per workflow name. Projects: those named, else every synced project (configured or discovered). Branch: each project's default branch, or the one named, or with `allBranches` every branch a workflow ran on.",
  })
  async statusBoard(
    @Arg("allBranches", () => Boolean, { nullable: true, defaultValue: false, description: "Every branch the board has entries on (then leave out `branch`)." })
    allBranches: boolean | null,
    @Arg("branch", () => String, { nullable: true, description: "This branch instead of each project's default branch." }) branch: string | null,
    @Arg("projectSlugs", () => [String], { nullable: true, description: "Only these projects (slugs such as `gh/acme/api`), in this order." })
    projectSlugs: string[] | null,
    @Ctx() context: GatewayContext,
  ): Promise<BoardEntry[]> {
    try {
      const entries = await loadStatusBoard(context.loaders, { projectSlugs, branch, allBranches });
      return entries.map((entry) => spelled(mapBoardIndexEntry(entry), projectSlugIn(context, entry.projectSlug)));
    } catch (error) {
      if (error instanceof LoaderInputError) throw badUserInput(error.message);
      throw error;
    }
  }

  @Query(() => [PendingApproval], { description: "Every approval job on hold, oldest first: in one project, or in every synced project." })
  async pendingApprovals(
    @Arg("projectSlug", () => String, { nullable: true, description: "Only this project's approvals." }) projectSlug: string | null,
    @Ctx() { loaders }: GatewayContext,
  ): Promise<PendingApproval[]> {
    return (await loadPendingApprovals(loaders, projectSlug)).map(mapPendingApproval);
  }

  @Query(() => [WorkflowInsight], { description: `Insights of a project's workflows ${WORKFLOW_INSIGHTS}` })
  async workflowInsights(
    @Arg("until", () => DateTimeISO, { nullable: true, description: UNTIL }) until: Date | null,
    @Arg("since", () => DateTimeISO, { nullable: true, description: SINCE }) since: Date | null,
    @Arg("workflowName", () => String, { nullable: true, description: WORKFLOW_NAME }) workflowName: string | null,
    @Arg("branch", () => String, { nullable: true, description: BRANCH }) branch: string | null,
    @Arg("projectSlug", () => String, { description: "The project, e.g. `gh/acme/api`." }) projectSlug: string,
    @Ctx() context: GatewayContext,
  ): Promise<WorkflowInsight[]> {
    return workflowInsightsOfProject(context, projectSlugIn(context, projectSlug), { since, until, workflowName, branch });
  }

  @Query(() => [JobInsight], {
    description: "Insights of the jobs of one workflow name over `[since, until)` (default: the 30 days before now), one per job name, by name.",
  })
  async jobInsights(
    @Arg("until", () => DateTimeISO, { nullable: true, description: UNTIL }) until: Date | null,
    @Arg("since", () => DateTimeISO, { nullable: true, description: SINCE }) since: Date | null,
    @Arg("branch", () => String, { nullable: true, description: BRANCH }) branch: string | null,
    @Arg("workflowName", () => String, { description: "The workflow name whose jobs these are." }) workflowName: string,
    @Arg("projectSlug", () => String, { description: "The project, e.g. `gh/acme/api`." }) projectSlug: string,
    @Ctx() { loaders }: GatewayContext,
  ): Promise<JobInsight[]> {
    const window = windowOf(since, until);
    const runs = await loadWorkflowRuns(loaders, { projectSlug, branch, window, withJobDetails: true, withFailedTests: false });
    return jobInsightsOf({ workflowName, window, runs });
  }

  @Query(() => [FlakyTest], {
    description:
      "The flaky tests of a project since `since` (default: the 30 days before now): tests that failed in a job whose later run (same job name, workflow name and revision) succeeded; most flakes first. Computed from the cache, fresh to the last sync.",
  })
  async flakyTests(
    @Arg("since", () => DateTimeISO, { nullable: true, description: "The window's start; default 30 days before now." }) since: Date | null,
    @Arg("projectSlug", () => String, { description: "The project, e.g. `gh/acme/api`." }) projectSlug: string,
    @Ctx() { loaders }: GatewayContext,
  ): Promise<FlakyTest[]> {
    const window = windowOf(since, null);
    const runs = await loadWorkflowRuns(loaders, { projectSlug, branch: null, window, withJobDetails: false, withFailedTests: true });
    return flakyTestsOf({ window, runs }).map(mapFlakyTest);
  }
}

/**
 * The same insights beside each project, so one request answers them for every configured project (`projects`)
 * without an alias per project.
 */
@Resolver(() => Project)
export class ProjectAnswersResolver {
  @FieldResolver(() => [WorkflowInsight], { description: `Insights of the project's workflows ${WORKFLOW_INSIGHTS}` })
  async workflowInsights(
    @Root() project: Project,
    @Arg("until", () => DateTimeISO, { nullable: true, description: UNTIL }) until: Date | null,
    @Arg("since", () => DateTimeISO, { nullable: true, description: SINCE }) since: Date | null,
    @Arg("workflowName", () => String, { nullable: true, description: WORKFLOW_NAME }) workflowName: string | null,
    @Arg("branch", () => String, { nullable: true, description: BRANCH }) branch: string | null,
    @Ctx() context: GatewayContext,
  ): Promise<WorkflowInsight[]> {
    return workflowInsightsOfProject(context, project.slug, { since, until, workflowName, branch });
  }
}

interface WorkflowInsightsArgs {
  since: Date | null;
  until: Date | null;
  workflowName: string | null;
  branch: string | null;
}

/** `projectSlug` as the answer spells it (the configured spelling). */
async function workflowInsightsOfProject(context: GatewayContext, projectSlug: string, args: WorkflowInsightsArgs): Promise<WorkflowInsight[]> {
  const { branch, workflowName } = args;
  const window = windowOf(args.since, args.until);
  const runs = await loadWorkflowRuns(context.loaders, { projectSlug, branch, window, withJobDetails: false, withFailedTests: false });
  return workflowInsightsOf({ projectSlug, branch, window, workflows: runs.map((run) => run.workflow), ...(workflowName === null ? {} : { workflowName }) }).map(
    mapWorkflowInsight,
  );
}

function windowOf(since: Date | null, until: Date | null): InsightWindow {
  try {
    return insightWindow({ since, until, now: new Date() });
  } catch (error) {
    if (error instanceof InvalidWindowError) throw badUserInput(error.message);
    throw error;
  }
}
