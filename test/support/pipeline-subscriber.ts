import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { createClient } from "graphql-ws";
import type { Client } from "graphql-ws";
import { WebSocket } from "ws";
import { JobStatusChangedDocument, PipelineCreatedDocument, WorkflowStatusChangedDocument } from "../generated/graphql.js";

/** A graphql-ws client subscribed to `pipelineCreated` on one gateway, collecting the ids it receives. */
export interface PipelineSubscriber {
  /** Pipeline ids, in arrival order (repeats kept: delivery is at least once). */
  readonly received: string[];
  /** Errors the subscription reported; a healthy one has none. */
  readonly errors: unknown[];
  dispose(): Promise<void>;
}

/** One change pushed to a subscriber: which subscription it came from, the entity, and its status (none for pipelines). */
export interface ReceivedChange {
  field: "pipelineCreated" | "workflowStatusChanged" | "jobStatusChanged";
  id: string;
  status?: string;
}

/** A graphql-ws client subscribed to all three change subscriptions on one gateway. */
export interface ChangeSubscriber {
  /** Every change, in arrival order (repeats kept: delivery is at least once). */
  readonly received: ReceivedChange[];
  readonly errors: unknown[];
  dispose(): Promise<void>;
}

export function subscribePipelineCreated(graphqlUrl: string): PipelineSubscriber {
  const client = connect(graphqlUrl);
  const received: string[] = [];
  const errors: unknown[] = [];
  listen(client, PipelineCreatedDocument, errors, (data) => received.push(data.pipelineCreated.id));
  return { received, errors, dispose: async () => client.dispose() };
}

export function subscribeChanges(graphqlUrl: string): ChangeSubscriber {
  const client = connect(graphqlUrl);
  const received: ReceivedChange[] = [];
  const errors: unknown[] = [];
  listen(client, PipelineCreatedDocument, errors, ({ pipelineCreated }) => received.push({ field: "pipelineCreated", id: pipelineCreated.id }));
  listen(client, WorkflowStatusChangedDocument, errors, ({ workflowStatusChanged: { id, status } }) =>
    received.push({ field: "workflowStatusChanged", id, status }),
  );
  listen(client, JobStatusChangedDocument, errors, ({ jobStatusChanged: { id, status } }) => received.push({ field: "jobStatusChanged", id, status }));
  return { received, errors, dispose: async () => client.dispose() };
}

function connect(graphqlUrl: string): Client {
  return createClient({ url: graphqlUrl.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
}

function listen<TData, TVariables>(
  client: Client,
  document: TypedDocumentNode<TData, TVariables>,
  errors: unknown[],
  onData: (data: TData) => void,
): void {
  client.subscribe<TData>(
    { query: print(document), variables: {} },
    {
      next: (result) => {
        if (result.data) onData(result.data);
        if (result.errors) errors.push(...result.errors);
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
}
