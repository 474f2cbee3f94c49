import type { PubSub } from "type-graphql";
import type { ChangeEvent, EventBus, Unsubscribe } from "../store/index.js";

/** The PubSub topic of each kind of change event, one per subscription field. */
export const CHANGE_TOPICS = {
  "pipeline.created": "PIPELINE_CREATED",
  "workflow.status_changed": "WORKFLOW_STATUS_CHANGED",
  "job.status_changed": "JOB_STATUS_CHANGED",
  "approval.requested": "APPROVAL_REQUESTED",
  "board.changed": "BOARD_CHANGED",
} as const satisfies Record<ChangeEvent["type"], string>;

/**
 * Publishes every event of the bus on its topic, the event itself as the payload. Events that crossed Redis carry
 * their timestamps as strings, as CircleCI's documents do anyway: the subscription resolvers map them with the same
 * mappers as queries, which turn strings into Dates. Resolves once the bus subscription is live.
 */
export function forwardChangeEvents(bus: EventBus, pubSub: PubSub): Promise<Unsubscribe> {
  return bus.subscribe((event) => pubSub.publish(CHANGE_TOPICS[event.type], event));
}
