/**
 * The contexts stream (full refresh): an organization's contexts with their environment variable
 * names (CircleCI never returns values). A context gone upstream is removed from the store.
 */
import type { CircleCIClient } from "../circleci/index.js";
import type { Store, StoredContext } from "../store/store.js";
import { sameDocument } from "../writer/index.js";
import type { SyncWriter } from "../writer/index.js";
import { collect, mapConcurrent } from "./map-concurrent.js";
import { readOne } from "./read-one.js";
import { rejectInto } from "./report.js";
import type { StreamTally } from "./report.js";

export const MISSING_ORGANIZATION_ID = "needs organization id: set CIRCLECI_ORG_ID";

export async function syncContexts(options: {
  client: CircleCIClient;
  store: Store;
  writer: SyncWriter;
  orgId: string;
  concurrency: number;
  tally: StreamTally;
  checkpoint(): void;
}): Promise<void> {
  const { client, store, tally } = options;
  const onRejected = rejectInto(tally);
  const contexts = await collect(client.listContexts(options.orgId, { onRejected }));
  // A context deleted between the list and its variables is gone: it is left out like any other.
  const variables = await mapConcurrent(contexts, options.concurrency, (context) =>
    readOne(collect(client.listContextEnvVars(context.id, { onRejected })), tally),
  );
  tally.pages += 1 + contexts.length;
  const current = contexts.flatMap((context, index): StoredContext[] => {
    const names = variables[index];
    return names !== undefined && "found" in names ? [{ ...context, environment_variables: names.found }] : [];
  });

  options.checkpoint();
  const previous = new Map((await store.listContexts()).map((context) => [context.id, context]));
  await options.writer.replaceContexts(current);
  const kept = new Set(current.map(({ id }) => id));
  const changed = current.filter((context) => !sameDocument(previous.get(context.id), context)).length;
  const removed = [...previous.keys()].filter((id) => !kept.has(id)).length;
  tally.records += changed + removed;
}
