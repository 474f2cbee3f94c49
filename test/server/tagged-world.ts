import { EventEmitter, on } from "node:events";
import { GraphQLError, GraphQLID, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import type { GraphQLFieldConfigMap } from "graphql";
import type { ReadTracker } from "../../src/loaders/read-tracker.js";
import type { ExecutionScope } from "../../src/operation/index.js";
import { LocalInvalidations } from "../../src/store/invalidations.js";
import type { InvalidationListener, Invalidations } from "../../src/store/invalidations.js";
import type { Tag } from "../../src/store/tags.js";

/** What the tagged schema's resolvers see: the execution's tracker and caller scope, and which context this is. */
export interface TaggedContext {
  tracker: ReadTracker;
  scope: string;
  id: number;
}

/** A failure the server's `errorCode` knows (as the gateway knows CircleCI's), so it keeps its message. */
export class UpstreamDownError extends Error {
  override readonly name = "UpstreamDownError";
}

export const UPSTREAM_DOWN = "UPSTREAM_DOWN";

/** The `errorCode` a server over the tagged world gets. */
export function upstreamCode(cause: unknown): string | undefined {
  return cause instanceof UpstreamDownError ? UPSTREAM_DOWN : undefined;
}

/** What an unexpected resolver error says: it must reach the log and never a client. */
export const SECRET_DETAIL = "connection to 10.0.0.7:6379 refused (internal detail)";

/**
 * Invalidations whose delivery the test controls, as a shared store's would arrive late over the network: a write's
 * tags wait in `commit` until `deliver`, or until a `barrier` (which delivers what was committed before it, as the
 * real barrier guarantees). `holdBarriers` makes barriers wait for `releaseBarriers`.
 */
export class TestInvalidations implements Invalidations {
  readonly #delivered = new LocalInvalidations();
  #pending: Tag[][] = [];
  #held: (() => void)[] | undefined;
  barriers = 0;

  commit(tags: readonly Tag[]): void {
    this.#pending.push([...tags]);
  }

  deliver(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const tags of pending) this.#delivered.publish(tags);
  }

  reset(): void {
    this.#delivered.reset();
  }

  holdBarriers(): void {
    this.#held = [];
  }

  releaseBarriers(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const release of held) release();
  }

  subscribe(listener: InvalidationListener): () => void {
    return this.#delivered.subscribe(listener);
  }

  onReset(listener: () => void): () => void {
    return this.#delivered.onReset(listener);
  }

  /** Delivers every write committed so far (those before the call among them), once released when held. */
  async barrier(): Promise<void> {
    this.barriers += 1;
    if (this.#held !== undefined) await new Promise<void>((resolve) => this.#held?.push(resolve));
    this.deliver();
  }

  close(): Promise<void> {
    return this.#delivered.close();
  }
}

/**
 * A small world whose resolvers report what they read through the execution's tracker, as the loaders do: items by
 * id (tag `item:<id>`), their listing (tag `items`), a field served from data the store does not hold (`live`),
 * fields that fail three ways, a mutation that writes an item (committing its tag, as the store's writer would),
 * a subscription, and `nested` to build queries as deep as a limit test needs. Counts every resolution.
 */
export function createTaggedWorld(invalidations: TestInvalidations) {
  const names = new Map([
    ["1", "first"],
    ["2", "second"],
  ]);
  const events = new EventEmitter();
  let contexts = 0;
  const resolved = { item: 0, items: 0, live: 0, hello: 0, slow: 0 };
  let releaseSlow: (() => void) | undefined;
  let slowGate: Promise<void> = Promise.resolve();

  const item = new GraphQLObjectType({
    name: "Item",
    fields: { id: { type: new GraphQLNonNull(GraphQLID) }, name: { type: new GraphQLNonNull(GraphQLString) } },
  });
  const readItem = (id: string, tracker: ReadTracker) => {
    tracker.read(`item:${id}`);
    const name = names.get(id);
    return name === undefined ? null : { id, name };
  };

  const query: GraphQLObjectType<unknown, TaggedContext> = new GraphQLObjectType<unknown, TaggedContext>({
    name: "Query",
    fields: (): GraphQLFieldConfigMap<unknown, TaggedContext> => ({
      hello: { type: GraphQLString, resolve: () => ((resolved.hello += 1), "world") },
      item: {
        type: item,
        args: { id: { type: new GraphQLNonNull(GraphQLID) } },
        resolve: (_root, args: { id: string }, context) => ((resolved.item += 1), readItem(args.id, context.tracker)),
      },
      items: {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(item))),
        resolve: (_root, _args, context) => {
          resolved.items += 1;
          context.tracker.read("items");
          return [...names.keys()].map((id) => readItem(id, context.tracker));
        },
      },
      live: {
        type: GraphQLString,
        resolve: (_root, _args, context) => {
          resolved.live += 1;
          context.tracker.read("live");
          context.tracker.unstored();
          return "fetched just now";
        },
      },
      scope: { type: GraphQLString, resolve: (_root, _args, context) => context.scope },
      // Item 1's name, read at once, answered once the test opens the gate (see `holdSlow`).
      slow: {
        type: GraphQLString,
        resolve: async (_root, _args, context) => {
          resolved.slow += 1;
          const name = readItem("1", context.tracker)?.name;
          await slowGate;
          return name;
        },
      },
      boom: {
        type: GraphQLString,
        resolve: () => {
          throw new Error(SECRET_DETAIL);
        },
      },
      upstream: {
        type: GraphQLString,
        resolve: () => {
          throw new UpstreamDownError("the upstream is down: try again in a minute");
        },
      },
      refused: {
        type: GraphQLString,
        resolve: () => {
          throw new GraphQLError("that value is not allowed: pick another", { extensions: { code: "BAD_USER_INPUT" } });
        },
      },
      nested: { type: new GraphQLNonNull(query), resolve: () => ({}) },
    }),
  });

  const schema = new GraphQLSchema({
    query,
    mutation: new GraphQLObjectType<unknown, TaggedContext>({
      name: "Mutation",
      fields: {
        // Reads and writes nothing: an operation never kept, whose answer is always the same.
        ping: { type: GraphQLString, resolve: () => "pong" },
        rename: {
          type: item,
          args: { id: { type: new GraphQLNonNull(GraphQLID) }, name: { type: new GraphQLNonNull(GraphQLString) } },
          resolve: (_root, args: { id: string; name: string }) => {
            rename(args.id, args.name);
            return { id: args.id, name: args.name };
          },
        },
      },
    }),
    subscription: new GraphQLObjectType<unknown, TaggedContext>({
      name: "Subscription",
      fields: {
        itemRenamed: {
          type: item,
          subscribe: () => on(events, "renamed"),
          // The event names the item; its name is read as the resolver runs, as a loader would read it.
          resolve: (payload, _args, context) => readItem(String((payload as unknown[])[0]), context.tracker),
        },
      },
    }),
  });

  /** A write: the data changes now, its invalidation is committed (delivered later, or by the next barrier). */
  function rename(id: string, name: string): void {
    names.set(id, name);
    invalidations.commit([`item:${id}`]);
  }

  return {
    schema,
    context: ({ tracker, scope }: ExecutionScope): TaggedContext => ({ tracker, scope, id: ++contexts }),
    rename,
    /** Announces a renamed item to `itemRenamed` subscribers. */
    announce: (id: string) => events.emit("renamed", id),
    subscribers: () => events.listenerCount("renamed"),
    /** Holds `slow` answers until the returned function is called. */
    holdSlow(): () => void {
      slowGate = new Promise((resolve) => (releaseSlow = resolve));
      return () => releaseSlow?.();
    },
    resolved,
  };
}
