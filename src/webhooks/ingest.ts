import type { ChangeEvent, EventBus } from "../store/events.js";
import { writeAndPublish } from "../store/outbox.js";
import type { Store } from "../store/store.js";
import { jobChanges, workflowChanges } from "../sync/changes.js";
import { reviseJob, reviseWorkflow } from "./apply.js";
import type { JobCompleted, WebhookEvent, WorkflowCompleted } from "./schemas.js";

/**
 * Writes a verified webhook event to the store at once and publishes the change events the sync would have, so
 * subscribers hear of a finished workflow or job without waiting for the next poll. Returns what it published.
 *
 * An entity the store does not hold is left alone: the sync fetches it whole (with everything a payload lacks) on
 * its next cycle. The active-pipelines set is left to the sync as well; it re-polls the pipeline once more and
 * drops it then.
 */
export async function ingestWebhookEvent(event: WebhookEvent, store: Store, bus: EventBus): Promise<ChangeEvent[]> {
  const revision = event.type === "workflow-completed" ? await reviseStoredWorkflow(event, store) : await reviseStoredJob(event, store);
  if (revision === undefined) return [];
  await writeAndPublish(store, bus, revision.changes, revision.write);
  return revision.changes;
}

/** What a delivery changes in the store, and the write that makes it. */
interface Revision {
  changes: ChangeEvent[];
  write(): Promise<void>;
}

async function reviseStoredWorkflow(event: WorkflowCompleted, store: Store): Promise<Revision | undefined> {
  const [stored] = await store.getWorkflows([event.workflow.id]);
  if (stored === undefined) return undefined;
  const revised = reviseWorkflow(stored, event.workflow);
  if (revised === undefined) return undefined;
  return { changes: workflowChanges(stored.project_slug, [{ stored, fetched: revised }]), write: () => store.putWorkflows([revised]) };
}

async function reviseStoredJob(event: JobCompleted, store: Store): Promise<Revision | undefined> {
  const workflowId = event.workflow.id;
  const [jobs] = await store.getJobsOf([workflowId]);
  const stored = jobs?.find((job) => job.id === event.job.id);
  if (jobs === undefined || stored === undefined) return undefined;
  const revised = reviseJob(stored, event.job);
  if (revised === undefined) return undefined;
  return {
    changes: jobChanges(stored.project_slug, [{ stored, fetched: revised, workflowId }]),
    // The store replaces a workflow's whole job list, so the list is written back with only this job changed.
    write: () => store.putWorkflowJobs(new Map([[workflowId, jobs.map((job) => (job.id === revised.id ? revised : job))]])),
  };
}
