/**
 * Change events as text, for the two places they leave the process: the pub/sub channel and the store's outbox.
 * Both are checked on the way back in: another instance may run another version, and anyone with access to Redis
 * can write there. Unknown fields are dropped, as everywhere CircleCI data enters.
 */
import { z } from "zod";
import { pipelineSchema, workflowJobSchema, workflowSchema } from "../circleci/schemas.js";
import type { ChangeEvent, DeliveredChangeEvent } from "./events.js";
import type { StagedEvents } from "./store.js";

const changeShapes = {
  pipelineCreated: { type: z.literal("pipeline.created"), projectSlug: z.string(), pipeline: pipelineSchema },
  workflowStatusChanged: {
    type: z.literal("workflow.status_changed"),
    projectSlug: z.string(),
    workflow: workflowSchema,
    previousStatus: z.string().nullable(),
  },
  jobStatusChanged: {
    type: z.literal("job.status_changed"),
    projectSlug: z.string(),
    workflowId: z.string(),
    job: workflowJobSchema,
    previousStatus: z.string().nullable(),
  },
  approvalRequested: {
    type: z.literal("approval.requested"),
    projectSlug: z.string(),
    approval: z.object({ job: workflowJobSchema, workflow: workflowSchema, pipeline: pipelineSchema, waitingSince: z.string() }),
  },
  boardChanged: {
    type: z.literal("board.changed"),
    projectSlug: z.string(),
    entry: z.object({
      projectSlug: z.string(),
      branch: z.string(),
      workflowName: z.string(),
      latest: workflowSchema,
      lastFinished: workflowSchema.nullable(),
      lastSuccessAt: z.string().nullable(),
      failingSince: z.string().nullable(),
    }),
  },
};

const envelopeShape = { eventId: z.uuid(), origin: z.string().min(1) };

const changeEventSchema: z.ZodType<ChangeEvent> = z.discriminatedUnion("type", [
  z.object(changeShapes.pipelineCreated),
  z.object(changeShapes.workflowStatusChanged),
  z.object(changeShapes.jobStatusChanged),
  z.object(changeShapes.approvalRequested),
  z.object(changeShapes.boardChanged),
]);

const deliveredChangeEventSchema: z.ZodType<DeliveredChangeEvent> = z.discriminatedUnion("type", [
  z.object({ ...changeShapes.pipelineCreated, ...envelopeShape }),
  z.object({ ...changeShapes.workflowStatusChanged, ...envelopeShape }),
  z.object({ ...changeShapes.jobStatusChanged, ...envelopeShape }),
  z.object({ ...changeShapes.approvalRequested, ...envelopeShape }),
  z.object({ ...changeShapes.boardChanged, ...envelopeShape }),
]);

type Decoded<T> = { event: T } | { error: string };

export function encodeChangeEvent(event: DeliveredChangeEvent | ChangeEvent): string {
  return JSON.stringify(event);
}

/** A published event, as a subscriber receives it from the channel. */
export function decodeChangeEvent(message: string): Decoded<DeliveredChangeEvent> {
  return decodeWith(deliveredChangeEventSchema, message);
}

function decodeWith<T>(schema: z.ZodType<T>, message: string): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch (error) {
    return { error: `not JSON: ${(error as Error).message}` };
  }
  const result = schema.safeParse(json);
  return result.success ? { event: result.data } : { error: z.prettifyError(result.error) };
}

/** One batch of the outbox: the events of one write, in order. */
export function encodeStagedBatch(events: readonly ChangeEvent[]): string {
  return JSON.stringify(events);
}

/** The batch's events that still decode; one that does not (another version wrote it) is dropped, not fatal. */
export function decodeStagedBatch(text: string): { events: ChangeEvent[]; invalid: number } {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch {
    return { events: [], invalid: 1 };
  }
  if (!Array.isArray(items)) return { events: [], invalid: 1 };
  const decoded = items.map((item) => changeEventSchema.safeParse(item));
  return {
    events: decoded.flatMap((result) => (result.success ? [result.data] : [])),
    invalid: decoded.filter((result) => !result.success).length,
  };
}

/** An outbox entry as read from a project's outbox. */
export interface StagedEntry {
  batchId: string;
  projectSlug: string;
  text: string;
}

/**
 * The staged batches oldest first (batch ids sort by staging time); a batch that no longer decodes (another version
 * wrote it) is passed to `onInvalid` and keeps only what decodes.
 */
export function stagedInOrder(entries: readonly StagedEntry[], onInvalid: (batchId: string, invalid: number) => void): StagedEvents[] {
  return [...entries]
    .sort((a, b) => (a.batchId < b.batchId ? -1 : a.batchId > b.batchId ? 1 : 0))
    .map(({ batchId, projectSlug, text }) => {
      const { events, invalid } = decodeStagedBatch(text);
      if (invalid > 0) onInvalid(batchId, invalid);
      return { batchId, projectSlug, events };
    });
}
