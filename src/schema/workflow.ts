import "reflect-metadata";
import { Directive, Field, Float, ID, Int, ObjectType } from "type-graphql";
import { PLAIN_FIELDS } from "./plain-fields.js";
import { WorkflowStatus } from "./enums.js";
import { DateTimeISO } from "./scalars.js";

@Directive('@key(fields: "id")')
@ObjectType({ ...PLAIN_FIELDS, description: "One run of a workflow of a pipeline. A rerun is a new workflow with the same name." })
export class Workflow {
  @Field(() => ID, { description: "CircleCI's workflow id (a UUID)." })
  id!: string;

  @Field(() => String, { description: "The workflow's name in the configuration." })
  name!: string;

  @Field(() => WorkflowStatus, { description: "The workflow's status." })
  status!: WorkflowStatus;

  @Field(() => DateTimeISO, { description: "When the workflow was created." })
  createdAt!: Date;

  @Field(() => DateTimeISO, { nullable: true, description: "When the workflow finished; null while it runs or waits." })
  stoppedAt!: Date | null;

  @Field(() => Float, { nullable: true, description: "Seconds from creation to stop; null until the workflow stops." })
  durationSeconds!: number | null;

  @Field(() => ID, { description: "The id of the pipeline it belongs to." })
  pipelineId!: string;

  @Field(() => Int, { description: "The number of the pipeline it belongs to." })
  pipelineNumber!: number;

  @Field(() => String, { description: "The slug of the project it belongs to." })
  projectSlug!: string;

  @Field(() => String, { nullable: true, description: "The workflow's tag, e.g. `setup` for a setup workflow." })
  tag!: string | null;

  @Field(() => ID, { nullable: true, description: "The id of the user who started it." })
  startedBy!: string | null;

  @Field(() => ID, { nullable: true, description: "The id of the user who canceled it, if someone did." })
  canceledBy!: string | null;

  @Field(() => ID, { nullable: true, description: "The id of the actor that errored it, if it errored." })
  erroredBy!: string | null;
}
