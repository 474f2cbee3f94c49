import type { Shape } from "./positional.js";

/**
 * What is kept of a workflow: everything `mapWorkflow` serves, which covers what the answers (runs, the board,
 * the feed, the insights) and the writer's progress rule read. Not `auto_rerun_number` nor `max_auto_reruns`:
 * nothing reads them.
 */
export const workflowShape: Shape = [
  "id",
  "name",
  "pipeline_id",
  "pipeline_number",
  "project_slug",
  "status",
  "started_by",
  "created_at",
  "stopped_at",
  "canceled_by",
  "errored_by",
  "tag",
];
