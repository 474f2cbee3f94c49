import type { Shape } from "./positional.js";

/**
 * What is kept of a workflow's job: everything `mapJob` serves, which covers what the answers, the approvals inbox,
 * the actions (`approval_request_id`) and the sync (`type`, `job_number`) read. Not `requires`: nothing reads it
 * (`dependencies` says the same by id).
 */
export const jobShape: Shape = [
  "id",
  "name",
  "type",
  "status",
  "project_slug",
  "dependencies",
  "started_at",
  "stopped_at",
  "job_number",
  "approval_request_id",
  "approved_by",
  "canceled_by",
];
