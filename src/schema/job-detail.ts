import "reflect-metadata";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { PLAIN_FIELDS } from "./plain-fields.js";
import { JobStatus } from "./enums.js";
import { DateTimeISO } from "./scalars.js";

@ObjectType({ ...PLAIN_FIELDS, description: "The machine a job ran on." })
export class Executor {
  @Field(() => String, { nullable: true, description: "The executor type, e.g. `docker`, `machine`, `macos`." })
  type!: string | null;

  @Field(() => String, { nullable: true, description: "The resource class, e.g. `medium`, `large`." })
  resourceClass!: string | null;
}

@ObjectType({ ...PLAIN_FIELDS, description: "A message CircleCI attached to a job (a warning, an infrastructure notice...)." })
export class JobMessage {
  @Field(() => String, { description: "The kind of message." })
  type!: string;

  @Field(() => String, { description: "The message text." })
  message!: string;

  @Field(() => String, { nullable: true, description: "Why it was attached, when CircleCI says." })
  reason!: string | null;
}

@ObjectType({ ...PLAIN_FIELDS, description: "One parallel container's run of a step." })
export class StepAction {
  @Field(() => Int, {
    description: "The container index (0 when the job is not parallel); when CircleCI omits it, the run's position among the step's runs.",
  })
  index!: number;

  @Field(() => String, { nullable: true, description: "The run's status as CircleCI reports it, e.g. `success`, `failed`." })
  status!: string | null;

  @Field(() => Int, { nullable: true, description: "The command's exit code, when it ran a command." })
  exitCode!: number | null;

  @Field(() => DateTimeISO, { nullable: true, description: "When the step started in this container." })
  startTime!: Date | null;

  @Field(() => DateTimeISO, { nullable: true, description: "When the step ended in this container." })
  endTime!: Date | null;

  @Field(() => Float, { nullable: true, description: "How long it ran, in milliseconds." })
  runTimeMillis!: number | null;
}

@ObjectType({ ...PLAIN_FIELDS, description: "A step of a job: a command, a checkout, a cache operation..." })
export class Step {
  @Field(() => String, { description: "The step's name; when CircleCI omits it, the name its runs carry, else empty." })
  name!: string;

  @Field(() => [StepAction], { description: "Its run in each parallel container (empty when CircleCI lists none)." })
  actions!: StepAction[];
}

@ObjectType({ ...PLAIN_FIELDS, description: "A build job in detail: where and how long it ran, and (once it has finished) its steps." })
export class JobDetail {
  @Field(() => Int, { description: "The job number within the project." })
  number!: number;

  @Field(() => String, { description: "The job's name." })
  name!: string;

  @Field(() => JobStatus, { description: "The job's status." })
  status!: JobStatus;

  @Field(() => String, { nullable: true, description: "The job's page in the CircleCI app." })
  webUrl!: string | null;

  @Field(() => String, { description: "The slug of the project it belongs to." })
  projectSlug!: string;

  @Field(() => ID, { nullable: true, description: "The id of the pipeline it belongs to." })
  pipelineId!: string | null;

  @Field(() => Executor, { nullable: true, description: "The machine it ran on." })
  executor!: Executor | null;

  @Field(() => Int, { nullable: true, description: "How many containers it ran in." })
  parallelism!: number | null;

  @Field(() => Float, { nullable: true, description: "How long it ran, in milliseconds; null until it stops." })
  durationMs!: number | null;

  @Field(() => DateTimeISO, { nullable: true, description: "When it was created." })
  createdAt!: Date | null;

  @Field(() => DateTimeISO, { nullable: true, description: "When it was queued." })
  queuedAt!: Date | null;

  @Field(() => DateTimeISO, { nullable: true, description: "When it started." })
  startedAt!: Date | null;

  @Field(() => DateTimeISO, { nullable: true, description: "When it stopped." })
  stoppedAt!: Date | null;

  @Field(() => [String], { description: "The names of the contexts it used." })
  contexts!: string[];

  @Field(() => [JobMessage], { description: "Messages CircleCI attached to it." })
  messages!: JobMessage[];

  @Field(() => [Step], {
    nullable: true,
    description: "Its steps, in order; null until the job has finished (CircleCI only gives them in full then).",
  })
  steps!: Step[] | null;
}
