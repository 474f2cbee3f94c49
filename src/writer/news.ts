/**
 * How a webhook's news patches a stored document: its status and timestamps, under the rule that nothing moves back
 * (`progress.ts`). The rest of the document stays as the sync wrote it.
 */
import type { Workflow, WorkflowJob } from "../circleci/index.js";
import { sameDocument } from "./changes.js";
import { laterJob, laterWorkflow } from "./progress.js";

/** What a `workflow-completed` delivery says of its workflow. */
export interface WorkflowNews {
  id: string;
  status: string;
  stopped_at?: string | null;
}

/** What a `job-completed` delivery says of its job. */
export interface JobNews {
  id: string;
  status: string;
  started_at?: string | null;
  stopped_at?: string | null;
}

/** The workflow after the news, or `undefined` when the news changes nothing. */
export function reviseWorkflow(stored: Workflow, news: WorkflowNews): Workflow | undefined {
  return unlessSame(stored, laterWorkflow(stored, { ...stored, status: news.status, stopped_at: news.stopped_at ?? stored.stopped_at }));
}

/** The job after the news, or `undefined` when the news changes nothing. */
export function reviseJob(stored: WorkflowJob, news: JobNews): WorkflowJob | undefined {
  const patched = {
    ...stored,
    status: news.status,
    started_at: news.started_at ?? stored.started_at,
    stopped_at: news.stopped_at ?? stored.stopped_at,
  };
  return unlessSame(stored, laterJob(stored, patched));
}

function unlessSame<T>(stored: T, revised: T): T | undefined {
  return sameDocument(stored, revised) ? undefined : revised;
}
