import "reflect-metadata";
import { Field, Float, Int, ObjectType } from "type-graphql";
import { PLAIN_FIELDS } from "./plain-fields.js";
import { DateTimeISO } from "./scalars.js";

@ObjectType({ ...PLAIN_FIELDS, description: "One test of a build job, as the job stored its results (`store_test_results`)." })
export class TestResult {
  @Field(() => String, { description: "The test's name." }) name!: string;
  @Field(() => String, { nullable: true, description: "Its class, or the suite it belongs to." }) classname!: string | null;
  @Field(() => String, { nullable: true, description: "The file that holds it." }) file!: string | null;
  @Field(() => String, { description: "What came of it, as CircleCI reports it: `success`, `failure`, `skipped`, `error`..." }) result!: string;
  @Field(() => String, { nullable: true, description: "Its failure message; null for a test that passed." }) message!: string | null;
  @Field(() => Float, { nullable: true, description: "How long it ran, in seconds." }) runTimeSeconds!: number | null;
}

@ObjectType({
  ...PLAIN_FIELDS,
  description:
    "A test that failed in a job when a later run of the same job name, in the same workflow name and on the same revision, succeeded (a rerun that passed).",
})
export class FlakyTest {
  @Field(() => String, { description: "The test's name." }) name!: string;
  @Field(() => String, { nullable: true, description: "Its class, or the suite it belongs to." }) classname!: string | null;
  @Field(() => String, { nullable: true, description: "The file that holds it." }) file!: string | null;
  @Field(() => String, { description: "The job it failed in." }) jobName!: string;
  @Field(() => String, { description: "The workflow of that job." }) workflowName!: string;
  @Field(() => Int, { description: "Its failures in the window that a later run of the job on the same revision passed." }) flakes!: number;
  @Field(() => DateTimeISO, { description: "When the job of the newest of those failures stopped." }) lastFlakedAt!: Date;
}
