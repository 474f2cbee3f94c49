import { projectSlugIn } from "./context.js";
import type { GatewayContext } from "./context.js";
import { mapJob, mapPipeline, mapProjectAs, mapWorkflow } from "./map.js";

/**
 * How a federated gateway turns an entity reference (its `@key` fields) into the entity, through the same loaders
 * as queries, so a gateway asking for many references costs one batch.
 */
export const referenceResolvers = {
  Project: {
    async __resolveReference({ slug }: { slug: string }, context: GatewayContext) {
      const spelled = projectSlugIn(context, slug);
      const project = await context.loaders.project.load(spelled);
      return project === null ? null : mapProjectAs(project, spelled);
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
    // CircleCI cannot look a job up by id, so this answers from what the sync stored: null for a job it has not seen.
    async __resolveReference({ id }: { id: string }, { loaders }: GatewayContext) {
      const job = await loaders.job.load(id);
      return job === null ? null : mapJob(job);
    },
  },
};
