/**
 * The naive baseline's read path: what a gateway without DataLoader does. Every field resolution that needs
 * data makes its own REST call (no batching, no per-request memo, no sharing between requests, no cache), and
 * a job's details are only its details (the query asks for no steps). The pipeline listing is the same in every
 * design, so it is the product's own, with its cache off.
 */
import DataLoader from "dataloader";
import { CircleCIError } from "../src/circleci/index.js";
import type { CircleCIClient } from "../src/circleci/index.js";
import { createLoaderFactory } from "../src/loaders/index.js";
import { emptyStats } from "../src/loaders/stats.js";
import type { LoaderFactory, Loaders } from "../src/loaders/index.js";
import type { JobKey, JobRecord, Store, StoredProject } from "../src/store/index.js";
import type { Invalidations } from "../src/store/invalidations.js";
import { collect } from "../src/sync/map-concurrent.js";
import type { ReadPathWriter } from "../src/writer/index.js";

export function createNaiveLoaderFactory(options: {
  store: Store;
  client: CircleCIClient;
  writer: ReadPathWriter;
  invalidations: Invalidations;
  concurrency: number;
}): LoaderFactory {
  const { client } = options;
  const listing = createLoaderFactory({ ...options, cache: false });

  function forRequest(): Loaders {
    return {
      ...listing.forRequest(),
      project: perCall(async (slug: string): Promise<StoredProject | null> => {
        const project = await orNull(client.getProject(slug));
        return project === null ? null : { slug, project };
      }),
      pipeline: perCall((id: string) => orNull(client.getPipeline(id))),
      workflowsOfPipeline: perCall((id: string) => collect(client.listWorkflows(id))),
      workflow: perCall((id: string) => orNull(client.getWorkflow(id))),
      job: perCall(async () => null),
      jobsOfWorkflow: perCall((id: string) => collect(client.listWorkflowJobs(id))),
      jobRecord: perCall(async ({ projectSlug, number }: JobKey): Promise<JobRecord | null> => {
        const details = await orNull(client.getJobDetails(projectSlug, number));
        return details === null ? null : { projectSlug, number, details };
      }),
    };
  }

  return {
    forRequest,
    get stats() {
      return emptyStats();
    },
    drain: () => listing.drain(),
    close: () => listing.close(),
  };
}

/** A DataLoader in name only: each `load` is one call of its own. */
function perCall<K, V>(fetch: (key: K) => Promise<V>): DataLoader<K, V> {
  return new DataLoader<K, V>(async ([key]) => [await fetch(key as K)], { batch: false, cache: false });
}

async function orNull<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof CircleCIError && error.status === 404) return null;
    throw error;
  }
}
