import "reflect-metadata";
import { Directive, Field, ID, Int, ObjectType } from "type-graphql";
import { PLAIN_FIELDS } from "./plain-fields.js";
import { PipelineState } from "./enums.js";
import { DateTimeISO } from "./scalars.js";

@ObjectType({ ...PLAIN_FIELDS, description: "Who started a pipeline." })
export class Actor {
  @Field(() => String, { description: "The user's login at the VCS provider (or a system name for scheduled runs)." })
  login!: string;

  @Field(() => String, { nullable: true, description: "The URL of the user's avatar." })
  avatarUrl!: string | null;
}

@ObjectType({ ...PLAIN_FIELDS, description: "What started a pipeline." })
export class Trigger {
  @Field(() => String, {
    description: "How it was started: `webhook`, `api`, `explicit`, `scheduled_pipeline`, or a kind CircleCI added since.",
  })
  type!: string;

  @Field(() => DateTimeISO, { nullable: true, description: "When CircleCI received the trigger." })
  receivedAt!: Date | null;

  @Field(() => Actor, { nullable: true, description: "Who started it." })
  actor!: Actor | null;
}

@ObjectType({ ...PLAIN_FIELDS, description: "The commit a pipeline builds." })
export class PipelineVcs {
  @Field(() => String, { nullable: true, description: "The VCS provider, e.g. `GitHub`." })
  providerName!: string | null;

  @Field(() => String, { nullable: true, description: "The branch built; null for a tag build." })
  branch!: string | null;

  @Field(() => String, { nullable: true, description: "The tag built; null for a branch build." })
  tag!: string | null;

  @Field(() => String, { nullable: true, description: "The commit SHA." })
  revision!: string | null;

  @Field(() => String, { nullable: true, description: "The URL of the repository the pipeline builds for." })
  targetRepositoryUrl!: string | null;

  @Field(() => String, { nullable: true, description: "The URL of the repository the commit comes from (a fork, for a fork's pull request)." })
  originRepositoryUrl!: string | null;

  @Field(() => String, { nullable: true, description: "The id of the pull/merge request, when the pipeline builds one." })
  reviewId!: string | null;

  @Field(() => String, { nullable: true, description: "The URL of the pull/merge request." })
  reviewUrl!: string | null;

  @Field(() => String, { nullable: true, description: "The first line of the commit message." })
  commitSubject!: string | null;

  @Field(() => String, { nullable: true, description: "The rest of the commit message." })
  commitBody!: string | null;
}

@ObjectType({ ...PLAIN_FIELDS, description: "Why a pipeline could not run (a config error, a permission problem...)." })
export class PipelineError {
  @Field(() => String, { description: "The kind of error, e.g. `config`, `config-fetch`, `permission`, `plan`." })
  type!: string;

  @Field(() => String, { description: "CircleCI's explanation." })
  message!: string;
}

@Directive('@key(fields: "id")')
@ObjectType({ ...PLAIN_FIELDS, description: "One run of a project's configuration for a commit: the workflows it started." })
export class Pipeline {
  @Field(() => ID, { description: "CircleCI's pipeline id (a UUID)." })
  id!: string;

  @Field(() => Int, { description: "The pipeline number, counting up within its project." })
  number!: number;

  @Field(() => String, { description: "The slug of the project it belongs to." })
  projectSlug!: string;

  @Field(() => PipelineState, { description: "Where CircleCI is in setting the pipeline up." })
  state!: PipelineState;

  @Field(() => DateTimeISO, { description: "When the pipeline was created." })
  createdAt!: Date;

  @Field(() => DateTimeISO, { nullable: true, description: "When CircleCI last changed the pipeline." })
  updatedAt!: Date | null;

  @Field(() => Trigger, { description: "What started the pipeline." })
  trigger!: Trigger;

  @Field(() => PipelineVcs, { nullable: true, description: "The commit built; null for pipelines not tied to a commit." })
  vcs!: PipelineVcs | null;

  @Field(() => [PipelineError], { description: "Why the pipeline could not run; empty when it could." })
  errors!: PipelineError[];
}
