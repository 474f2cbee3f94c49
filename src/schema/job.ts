import "reflect-metadata";
import { Directive, Field, ID, Int, ObjectType } from "type-graphql";
import { PLAIN_FIELDS } from "./plain-fields.js";
import { JobStatus, JobType } from "./enums.js";
import { DateTimeISO } from "./scalars.js";

@Directive('@key(fields: "id")')
@ObjectType({ ...PLAIN_FIELDS, description: "A job of a workflow, as the workflow lists it. Build jobs have a number and `details`." })
export class Job {
  @Field(() => ID, { description: "CircleCI's job id (a UUID)." })
  id!: string;

  @Field(() => String, { description: "The job's name in the workflow." })
  name!: string;

  @Field(() => JobType, { description: "A job that runs steps, or an approval gate." })
  type!: JobType;

  @Field(() => JobStatus, { description: "The job's status." })
  status!: JobStatus;

  @Field(() => Int, { nullable: true, description: "The job number within the project; null for approval jobs and jobs not started yet." })
  jobNumber!: number | null;

  @Field(() => DateTimeISO, { nullable: true, description: "When the job started." })
  startedAt!: Date | null;

  @Field(() => DateTimeISO, { nullable: true, description: "When the job stopped." })
  stoppedAt!: Date | null;

  @Field(() => [ID], { description: "The ids of the jobs this one waits for." })
  dependencies!: string[];

  @Field(() => ID, { nullable: true, description: "For an approval job: the id of its approval request." })
  approvalRequestId!: string | null;

  @Field(() => ID, { nullable: true, description: "For an approval job: the id of the user who approved it." })
  approvedBy!: string | null;

  @Field(() => ID, { nullable: true, description: "The id of the user who canceled it, if someone did." })
  canceledBy!: string | null;

  @Field(() => String, { description: "The slug of the project it belongs to." })
  projectSlug!: string;
}
