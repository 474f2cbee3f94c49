import "reflect-metadata";
import { ArgsType, Field, Int, ObjectType } from "type-graphql";
import { PLAIN_FIELDS } from "./plain-fields.js";
import { Pipeline } from "./pipeline.js";

@ObjectType({ ...PLAIN_FIELDS, description: "Where a page ends, and whether another follows (Relay cursor connections)." })
export class PageInfo {
  @Field(() => Boolean, { description: "Whether there are more items after this page." })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: "The cursor of the page's last item: pass it as `after` for the next page. Null on an empty page." })
  endCursor!: string | null;
}

@ObjectType({ ...PLAIN_FIELDS, description: "A pipeline in a page, with its cursor." })
export class PipelineEdge {
  @Field(() => String, { description: "An opaque cursor: pass it as `after` to get the pipelines after this one." })
  cursor!: string;

  @Field(() => Pipeline, { description: "The pipeline." })
  node!: Pipeline;
}

@ObjectType({ ...PLAIN_FIELDS, description: "A page of pipelines, newest first. Pages stay stable while new pipelines arrive." })
export class PipelineConnection {
  @Field(() => [PipelineEdge], { description: "The pipelines of the page, each with its cursor." })
  edges!: PipelineEdge[];

  @Field(() => [Pipeline], { description: "The pipelines of the page, without cursors." })
  nodes!: Pipeline[];

  @Field(() => PageInfo, { description: "Where the page ends, and whether another follows." })
  pageInfo!: PageInfo;
}

@ArgsType()
export class PipelinePageArgs {
  @Field(() => String, { nullable: true, description: "Only the pipelines of this branch (tag pipelines have none)." })
  branch?: string | null;

  @Field(() => Int, { nullable: true, defaultValue: 20, description: "How many pipelines, 1 to 100." })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "Start after this cursor (an edge's `cursor` or a page's `endCursor`)." })
  after?: string | null;
}
