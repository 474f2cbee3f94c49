import "reflect-metadata";
import { Field, ID, ObjectType } from "type-graphql";
import { PLAIN_FIELDS } from "./plain-fields.js";
import { DateTimeISO } from "./scalars.js";

@ObjectType({ ...PLAIN_FIELDS, description: "An environment variable of a context: its name only, CircleCI never returns values." })
export class ContextVariable {
  @Field(() => String, { description: "The variable's name." })
  variable!: string;

  @Field(() => DateTimeISO, { nullable: true, description: "When it was created." })
  createdAt!: Date | null;

  @Field(() => DateTimeISO, { nullable: true, description: "When its value last changed." })
  updatedAt!: Date | null;
}

@ObjectType({ ...PLAIN_FIELDS, description: "A CircleCI context of the organization: a named set of environment variables jobs can use." })
export class Context {
  @Field(() => ID, { description: "CircleCI's context id (a UUID)." })
  id!: string;

  @Field(() => String, { description: "The context's name, as jobs refer to it." })
  name!: string;

  @Field(() => DateTimeISO, { description: "When it was created." })
  createdAt!: Date;

  @Field(() => [ContextVariable], { description: "Its environment variables (names and dates, never values)." })
  environmentVariables!: ContextVariable[];
}
