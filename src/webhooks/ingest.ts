import type { ChangeEvent } from "../store/events.js";
import type { WebhookWriter } from "../writer/index.js";
import type { WebhookEvent } from "./schemas.js";

/**
 * Hands a verified webhook event to the writer at once, so subscribers hear of a finished workflow or job without
 * waiting for the next poll; the writer publishes the change events the sync would have. Returns what it announced.
 *
 * An entity the store does not hold is left alone: the sync fetches it whole (with everything a payload lacks) on
 * its next cycle. The active-pipelines set is left to the sync as well; it re-polls the pipeline once more and
 * drops it then.
 */
export function ingestWebhookEvent(event: WebhookEvent, writer: WebhookWriter): Promise<ChangeEvent[]> {
  return event.type === "workflow-completed" ? writer.completeWorkflow(event.workflow) : writer.completeJob(event.workflow.id, event.job);
}
