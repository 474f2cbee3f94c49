import "reflect-metadata";
import { Field, ObjectType } from "type-graphql";
import { PLAIN_FIELDS } from "./plain-fields.js";
import { DateTimeISO } from "./scalars.js";
import { Workflow } from "./workflow.js";

@ObjectType({
  ...PLAIN_FIELDS,
  description:
    "How one workflow (by name) of a project is doing on a branch: a tile of a status board. Tag pipelines belong to no branch, so their runs are on no board.",
})
export class BoardEntry {
  @Field(() => String, { description: "The project slug, e.g. `gh/acme/api`." })
  projectSlug!: string;

  @Field(() => String, { description: "The branch." })
  branch!: string;

  @Field(() => String, { description: "The workflow's name in the configuration." })
  workflowName!: string;

  @Field(() => Workflow, { description: "The newest run by creation, live or finished." })
  latest!: Workflow;

  @Field(() => Workflow, { nullable: true, description: "The newest finished run; null while every run is live." })
  lastFinished!: Workflow | null;

  @Field(() => DateTimeISO, { nullable: true, description: "When the newest successful run stopped; null when none succeeded." })
  lastSuccessAt!: Date | null;

  @Field(() => DateTimeISO, {
    nullable: true,
    description:
      "When the oldest run of the unbroken streak of failed (or errored) finished runs that ends with `lastFinished` stopped: how long it has been red. Null when `lastFinished` did not fail.",
  })
  failingSince!: Date | null;
}
