import { GraphQLError } from "graphql";
import type { GatewayContext } from "./context.js";
import { mapPipeline, mapProject, mapWorkflow } from "./map.js";

/**
 * How a federated gateway turns an entity reference (its `@key` fields) into the entity, through the same loaders
 * as queries, so a gateway asking for many references costs one batch.
 */
export const referenceResolvers = {
  Project: {
    async __resolveReference({ slug }: { slug: string }, { loaders }: GatewayContext) {
      const project = await loaders.project.load(slug);
      return project === null ? null : mapProject(project);
    },
  },
  Pipeline: {
    async __resolveReference({ id }: { id: string }, { loaders }: GatewayContext) {
      const pipeline = await loaders.pipeline.load(id);
      return pipeline === null ? null : mapPipeline(pipeline);
    },
  },
  Workflow: {
    async __resolveReference({ id }: { id: string }, { loaders }: GatewayContext) {
      const workflow = await loaders.workflow.load(id);
      return workflow === null ? null : mapWorkflow(workflow);
    },
  },
  Job: {
    // A job is only reachable through its workflow: neither the loaders nor CircleCI look one up by id alone.
    __resolveReference({ id }: { id: string }) {
      throw new GraphQLError(`Job ${id} cannot be resolved by id alone: reach it through its workflow's \`jobs\``);
    },
  },
};
