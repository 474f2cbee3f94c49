import { z } from "zod";
import { pipelineStates } from "./schemas.js";

/**
 * What CircleCI answers to its write endpoints, written from its OpenAPI document. Like the read
 * schemas, fields stay snake_case as CircleCI sends them and unknown fields are dropped.
 */

/** `POST /project/{slug}/pipeline` and `POST /project/{slug}/pipeline/run` (201): the pipeline, which may still be `pending`. */
export const pipelineCreationSchema = z.object({
  id: z.guid(),
  state: pipelineStates.schema,
  number: z.int(),
  created_at: z.iso.datetime({ offset: true }),
});
export type PipelineCreation = z.infer<typeof pipelineCreationSchema>;

/** A `{ message }` answer: the accepted actions (`"Accepted."`), or a trigger that created nothing. */
export const actionMessageSchema = z.object({ message: z.string() });
export type ActionMessage = z.infer<typeof actionMessageSchema>;

/** `POST /project/{slug}/pipeline/run`: 201 with the pipeline, or 200 with why none was created (`[ci skip]`). */
export const pipelineRunSchema = z.union([pipelineCreationSchema, actionMessageSchema]);

/** `POST /workflow/{id}/rerun` (202): the NEW workflow's id. */
export const workflowRerunSchema = z.object({ workflow_id: z.guid() });
export type WorkflowRerun = z.infer<typeof workflowRerunSchema>;
