import "reflect-metadata";
import { Field, Float, Int, ObjectType } from "type-graphql";
import { PLAIN_FIELDS } from "./plain-fields.js";
import { DateTimeISO } from "./scalars.js";

@ObjectType({ ...PLAIN_FIELDS, description: "Statistics of a set of durations, in seconds. `median` and `p95` are by nearest rank: always one of the samples." })
export class DurationStats {
  @Field(() => Float, { description: "The shortest." }) min!: number;
  @Field(() => Float, { description: "The longest." }) max!: number;
  @Field(() => Float, { description: "The arithmetic mean." }) mean!: number;
  @Field(() => Float, { description: "The 50th percentile by nearest rank." }) median!: number;
  @Field(() => Float, { description: "The 95th percentile by nearest rank." }) p95!: number;
}

@ObjectType({
  ...PLAIN_FIELDS,
  description:
    "How one workflow (by name) of a project ran in a window: its runs are its workflows created in `[windowStart, windowEnd)`, live ones included, computed from the cache (fresh to the last sync).",
})
export class WorkflowInsight {
  @Field(() => String, { description: "The project slug, e.g. `gh/acme/api`." }) projectSlug!: string;
  @Field(() => String, { description: "The workflow's name in the configuration." }) workflowName!: string;
  @Field(() => String, { nullable: true, description: "The branch asked for; null for every branch." }) branch!: string | null;
  @Field(() => DateTimeISO, { description: "The window's start (inclusive)." }) windowStart!: Date;
  @Field(() => DateTimeISO, { description: "The window's end (exclusive)." }) windowEnd!: Date;
  @Field(() => Int, { description: "Every run created in the window, live ones included." }) totalRuns!: number;
  @Field(() => Int, { description: "The runs that reached a terminal status." }) finishedRuns!: number;
  @Field(() => Int, { description: "Runs with status SUCCESS." }) successfulRuns!: number;
  @Field(() => Int, { description: "Runs with status FAILED or ERROR." }) failedRuns!: number;
  @Field(() => Float, { nullable: true, description: "`successfulRuns / finishedRuns`; null with none finished." }) successRate!: number | null;
  @Field(() => Float, { description: "`totalRuns` per day of the window." }) throughputPerDay!: number;
  @Field(() => Float, {
    nullable: true,
    description:
      "Mean time to recovery: over every streak of failed runs followed by a success (by creation), that success's stop minus the streak's first failure's stop, in seconds; null without one.",
  })
  mttrSeconds!: number | null;
  @Field(() => DurationStats, { nullable: true, description: "`stoppedAt - createdAt` of the successful runs; null with none." })
  duration!: DurationStats | null;
}

@ObjectType({ ...PLAIN_FIELDS, description: "How one job (by name) of a workflow ran in a window: each job run counted once, in the first run it appears in." })
export class JobInsight {
  @Field(() => String, { description: "The job's name in the configuration." }) name!: string;
  @Field(() => Int, { description: "Every run of the job in the window's workflows, live ones included." }) totalRuns!: number;
  @Field(() => Int, { description: "Runs with status SUCCESS." }) successfulRuns!: number;
  @Field(() => Int, { description: "Runs with status FAILED or ERROR (infrastructure failures included)." }) failedRuns!: number;
  @Field(() => Float, { nullable: true, description: "`successfulRuns / finishedRuns`; null with none finished." }) successRate!: number | null;
  @Field(() => DurationStats, { nullable: true, description: "`stoppedAt - startedAt` of the successful runs; null with none." })
  duration!: DurationStats | null;
  @Field(() => DurationStats, { nullable: true, description: "`startedAt - queuedAt` (job details) of every run that started; null with none." })
  queueSeconds!: DurationStats | null;
}
