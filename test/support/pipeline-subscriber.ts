import { print } from "graphql";
import { createClient } from "graphql-ws";
import { WebSocket } from "ws";
import { PipelineCreatedDocument } from "../generated/graphql.js";
import type { PipelineCreatedSubscription } from "../generated/graphql.js";

/** A graphql-ws client subscribed to `pipelineCreated` on one gateway, collecting the ids it receives. */
export interface PipelineSubscriber {
  /** Pipeline ids, in arrival order (repeats kept: delivery is at least once). */
  readonly received: string[];
  /** Errors the subscription reported; a healthy one has none. */
  readonly errors: unknown[];
  dispose(): Promise<void>;
}

export function subscribePipelineCreated(graphqlUrl: string): PipelineSubscriber {
  const client = createClient({ url: graphqlUrl.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
  const received: string[] = [];
  const errors: unknown[] = [];
  client.subscribe<PipelineCreatedSubscription>(
    { query: print(PipelineCreatedDocument), variables: {} },
    {
      next: (result) => {
        if (result.data) received.push(result.data.pipelineCreated.id);
        if (result.errors) errors.push(...result.errors);
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  return { received, errors, dispose: async () => client.dispose() };
}
