import type { Shape } from "./positional.js";

/**
 * What is kept of a pipeline: everything `mapPipeline` serves, and what the store, the board and the sync read
 * (`created_at` and `vcs.branch`/`vcs.tag` place it). Not `trigger_parameters`: nothing reads it.
 */
export const pipelineShape: Shape = [
  "id",
  "number",
  "project_slug",
  "created_at",
  "updated_at",
  "state",
  ["errors", ["type", "message"], "list"],
  ["trigger", ["type", "received_at", ["actor", ["login", "avatar_url"]]]],
  [
    "vcs",
    [
      "provider_name",
      "origin_repository_url",
      "target_repository_url",
      "revision",
      "branch",
      "tag",
      "review_id",
      "review_url",
      ["commit", ["subject", "body"]],
    ],
  ],
];
