import "reflect-metadata";
import { Arg, Ctx, Query, Resolver } from "type-graphql";
import { LoaderInputError } from "../loaders/index.js";
import { loadPendingApprovals } from "../loaders/pending-approvals.js";
import { loadStatusBoard } from "../loaders/status-board.js";
import { BoardEntry } from "../schema/board-entry.js";
import { PendingApproval } from "../schema/pending-approval.js";
import { projectSlugIn } from "./context.js";
import type { GatewayContext } from "./context.js";
import { badUserInput } from "./errors.js";
import { mapBoardIndexEntry, mapPendingApproval, spelled } from "./map.js";

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
}
