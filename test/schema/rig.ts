import { createPubSub } from "@graphql-yoga/subscription";
import { graphql } from "graphql";
import type { ExecutionResult, GraphQLSchema } from "graphql";
import { createLoaderFactory } from "../../src/loaders/index.js";
import type { LoaderFactory, Loaders } from "../../src/loaders/index.js";
import { buildGatewaySchema } from "../../src/resolvers/build-schema.js";
import type { GatewayContext } from "../../src/resolvers/context.js";
import { startRig } from "../sync/harness.js";
import type { RigOptions, SyncRig } from "../sync/harness.js";

/** The real read path behind the schema: the simulator, synced once into a MemoryStore, the loader factory over it. */
export interface SchemaRig {
  sync: SyncRig;
  factory: LoaderFactory;
  schema: GraphQLSchema;
  /** A request's context: fresh loaders and the configured slugs (the engine's, as configured). */
  context(): GatewayContext;
  /** Runs an operation with fresh request loaders, optionally changed by `withLoaders`. */
  run(source: string, variables?: Record<string, unknown>, withLoaders?: (loaders: Loaders) => Loaders): Promise<ExecutionResult>;
  close(): Promise<void>;
}

export async function startSchemaRig(options: RigOptions = {}): Promise<SchemaRig> {
  const sync = await startRig(options);
  await sync.engine.runCycle();
  const factory = createLoaderFactory({ store: sync.store, client: sync.client, writer: sync.writer, invalidations: sync.invalidations });
  const schema = await buildGatewaySchema({ pubSub: createPubSub() });
  const projectSlugs = options.engine?.projectSlugs ?? sync.slugs;
  const context = (): GatewayContext => ({ loaders: factory.forRequest(), projectSlugs });
  return {
    sync,
    factory,
    schema,
    context,
    run(source, variables, withLoaders = (loaders) => loaders) {
      const request = context();
      const contextValue: GatewayContext = { ...request, loaders: withLoaders(request.loaders) };
      return graphql({ schema, source, variableValues: variables, contextValue });
    },
    async close() {
      await factory.close();
      await sync.close();
    },
  };
}
