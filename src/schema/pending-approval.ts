import "reflect-metadata";
import { Field, ObjectType } from "type-graphql";
import { Job } from "./job.js";
import { Pipeline } from "./pipeline.js";
import { PLAIN_FIELDS } from "./plain-fields.js";
import { DateTimeISO } from "./scalars.js";
import { Workflow } from "./workflow.js";

@ObjectType({ ...PLAIN_FIELDS, description: "An approval job on hold: someone has to approve it for its workflow to go on." })
export class PendingApproval {
  @Field(() => Job, { description: "The approval job (its `approvalRequestId` is what approving it takes)." })
  job!: Job;

  @Field(() => Workflow, { description: "The workflow waiting on it." })
  workflow!: Workflow;

  @Field(() => Pipeline, { description: "The pipeline of that workflow." })
  pipeline!: Pipeline;

  @Field(() => DateTimeISO, {
    description:
      "Since when it waits: when the last job it depends on stopped, or when its workflow was created if it depends on none (CircleCI records no start for an approval).",
  })
  waitingSince!: Date;
}
