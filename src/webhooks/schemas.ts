import { z } from "zod";

/**
 * CircleCI's outbound webhook payloads (https://circleci.com/docs/webhooks-reference/), as far as the gateway reads
 * them. Payloads are open maps: fields not named here are dropped, never an error. Timestamps carry microseconds,
 * which any RFC 3339 instant check accepts.
 */

const timestamp = z.iso.datetime({ offset: true });

const commonFields = {
  id: z.string(),
  happened_at: timestamp,
  webhook: z.object({ id: z.string(), name: z.string() }),
  project: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  organization: z.object({ id: z.string(), name: z.string() }),
  pipeline: z.object({ id: z.string(), number: z.int() }),
};

const workflowSubEntity = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  created_at: timestamp,
  stopped_at: timestamp.nullish(),
});

export const workflowCompletedSchema = z.object({
  ...commonFields,
  type: z.literal("workflow-completed"),
  workflow: workflowSubEntity,
});
export type WorkflowCompleted = z.infer<typeof workflowCompletedSchema>;

export const jobCompletedSchema = z.object({
  ...commonFields,
  type: z.literal("job-completed"),
  workflow: workflowSubEntity,
  job: z.object({
    id: z.string(),
    name: z.string(),
    number: z.int().nullish(),
    status: z.string(),
    started_at: timestamp.nullish(),
    stopped_at: timestamp.nullish(),
  }),
});
export type JobCompleted = z.infer<typeof jobCompletedSchema>;

export const webhookEventSchema = z.discriminatedUnion("type", [workflowCompletedSchema, jobCompletedSchema]);
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

/** The event types the gateway applies; any other (`ping`, types CircleCI adds later) is acknowledged and ignored. */
const APPLIED_EVENT_TYPES: ReadonlySet<string> = new Set(["workflow-completed", "job-completed"]);

/** Just enough of any payload to tell whether it is one the gateway applies. */
const eventTypeSchema = z.object({ type: z.string() });

/** What a delivery's body holds: an event to apply, one to acknowledge and ignore, or a reason to refuse it. */
export type ParsedPayload =
  | { kind: "apply"; event: WebhookEvent }
  | { kind: "ignore"; type: string }
  | { kind: "invalid"; message: string };

export function parseWebhookPayload(rawBody: Buffer): ParsedPayload {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString("utf8"));
  } catch {
    return { kind: "invalid", message: "the body is not JSON" };
  }
  const envelope = eventTypeSchema.safeParse(json);
  if (!envelope.success) return { kind: "invalid", message: z.prettifyError(envelope.error) };
  if (!APPLIED_EVENT_TYPES.has(envelope.data.type)) return { kind: "ignore", type: envelope.data.type };
  const event = webhookEventSchema.safeParse(json);
  return event.success ? { kind: "apply", event: event.data } : { kind: "invalid", message: z.prettifyError(event.error) };
}
