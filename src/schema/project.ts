import "reflect-metadata";
import { Directive, Field, ID, ObjectType } from "type-graphql";
import { PLAIN_FIELDS } from "./plain-fields.js";

@Directive('@key(fields: "slug")')
@ObjectType({
  ...PLAIN_FIELDS,
  description:
    "A CircleCI project. A configured project CircleCI cannot show (deleted, or hidden from the token) keeps its slug, " +
    "with the name and organization read from the slug and the other fields null.",
})
export class Project {
  @Field(() => String, { description: "The project slug, `<vcs>/<org>/<repo>` (e.g. `gh/acme/api`): the project's key." })
  slug!: string;

  @Field(() => ID, { nullable: true, description: "CircleCI's project id (a UUID); null while CircleCI cannot show the project." })
  id!: string | null;

  @Field(() => String, { description: "The repository name." })
  name!: string;

  @Field(() => String, { description: "The organization (or user) the project belongs to." })
  organizationName!: string;

  @Field(() => String, { nullable: true, description: "The organization's slug, e.g. `gh/acme`." })
  organizationSlug!: string | null;

  @Field(() => ID, { nullable: true, description: "The organization's id (a UUID)." })
  organizationId!: string | null;

  @Field(() => String, { nullable: true, description: "The repository's URL at its VCS provider." })
  vcsUrl!: string | null;

  @Field(() => String, { nullable: true, description: "The VCS provider: `GitHub`, `Bitbucket` or `CircleCI` (GitLab and others)." })
  vcsProvider!: string | null;

  @Field(() => String, { nullable: true, description: "The repository's default branch." })
  defaultBranch!: string | null;
}
