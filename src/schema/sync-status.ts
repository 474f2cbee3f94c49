import "reflect-metadata";
import { Field, Int, ObjectType } from "type-graphql";
import { PLAIN_FIELDS } from "./plain-fields.js";
import { DateTimeISO } from "./scalars.js";

@ObjectType({ ...PLAIN_FIELDS, description: "How one sync stream (for one project, where it is per project) is doing." })
export class StreamStatus {
  @Field(() => String, {
    description: "The stream: `projects`, `pipelines`, `workflows`, `workflow_jobs`, `job_details`, `tests` or `contexts`.",
  })
  stream!: string;

  @Field(() => String, { nullable: true, description: "The project it syncs; null for streams that are not per project." })
  projectSlug!: string | null;

  @Field(() => DateTimeISO, { nullable: true, description: "When it last completed without error." })
  lastSuccessAt!: Date | null;

  @Field(() => String, { nullable: true, description: "Its last error, until it next succeeds." })
  lastError!: string | null;

  @Field(() => Int, { description: "How many records it has written, over the life of the cache." })
  records!: number;

  @Field(() => Int, {
    description:
      "How many records CircleCI sent that did not fit their schema, over the life of the cache: each was left out " +
      "(and logged) while the rest of the stream synced. Not an outage, and not retried; a record read again in a later " +
      "cycle (a pipeline in the overlap window, a job whose status moved) is read anew, and counts again if it still does not fit.",
  })
  rejected!: number;

  @Field(() => String, {
    nullable: true,
    description: "The last record it left out, whenever that was: the endpoint, which record, and the fields that did not fit.",
  })
  lastRejection!: string | null;
}

@ObjectType({ ...PLAIN_FIELDS, description: "The background sync that keeps the cache warm: how fresh the answers are." })
export class SyncStatus {
  @Field(() => Boolean, { description: "Whether a sync cycle is running now." })
  running!: boolean;

  @Field(() => Int, { description: "How many cycles have completed." })
  cycles!: number;

  @Field(() => DateTimeISO, { nullable: true, description: "When the last cycle started." })
  lastCycleStartedAt!: Date | null;

  @Field(() => DateTimeISO, { nullable: true, description: "When the last cycle completed." })
  lastCycleCompletedAt!: Date | null;

  @Field(() => [StreamStatus], { description: "Each stream's state." })
  streams!: StreamStatus[];
}
