import { EventEmitter, on } from "node:events";
import { GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import type { GraphQLFieldConfigMap } from "graphql";
import { DEFAULT_ASSUMED_LIST_SIZE } from "../../src/server/limits/index.js";

/** The objects `crowd` holds: three times what the estimate assumes of a list the table of sizes does not name. */
export const CROWD = 3 * DEFAULT_ASSUMED_LIST_SIZE;

/** What the tiny schema's resolvers see: a number that tells one context (one request or operation) from another. */
export interface TinyContext {
  id: number;
}

/**
 * A schema just big enough to exercise the server's plumbing: a query, a query that answers only when the test
 * releases it (an in-flight request), one that echoes the context, a subscription the test publishes into, a
 * mutation, and `nested` / `items(first)` to build queries as deep and as costly as a limit test needs; `crowd`
 * holds more objects than the cost estimate assumes of a list.
 */
export function createTinySchema() {
  const ticks = new EventEmitter();
  let release: (() => void) | undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let contexts = 0;
  let slowStarted = 0;
  let mutations = 0;

  const query: GraphQLObjectType<unknown, TinyContext> = new GraphQLObjectType<unknown, TinyContext>({
    name: "Query",
    fields: (): GraphQLFieldConfigMap<unknown, TinyContext> => ({
      hello: { type: GraphQLString, resolve: () => "world" },
      contextId: { type: GraphQLInt, resolve: (_root, _args, context) => context.id },
      slow: {
        type: GraphQLString,
        resolve: async () => {
          slowStarted += 1;
          await released;
          return "finally";
        },
      },
      nested: { type: new GraphQLNonNull(query), resolve: () => ({}) },
      items: {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(query))),
        args: { first: { type: GraphQLInt, defaultValue: 2 } },
        resolve: (_root, args: { first: number }) => Array.from({ length: args.first }, () => ({})),
      },
      crowd: { type: new GraphQLNonNull(new GraphQLList(query)), resolve: () => Array.from({ length: CROWD }, () => ({})) },
    }),
  });

  const schema = new GraphQLSchema({
    query,
    mutation: new GraphQLObjectType<unknown, TinyContext>({
      name: "Mutation",
      fields: { touch: { type: GraphQLInt, resolve: () => ++mutations } },
    }),
    subscription: new GraphQLObjectType<unknown, TinyContext>({
      name: "Subscription",
      fields: {
        // "<value> from context <id>": tells which operation's context resolved it.
        tick: {
          type: GraphQLString,
          // events.on registers its listener at once, so `subscribers()` counts live subscriptions exactly.
          subscribe: () => on(ticks, "tick"),
          resolve: (args, _args, context) => `${String((args as unknown[])[0])} from context ${context.id}`,
        },
      },
    }),
  });

  return {
    schema,
    context: (): TinyContext => ({ id: ++contexts }),
    publishTick: (value: number) => ticks.emit("tick", value),
    subscribers: () => ticks.listenerCount("tick"),
    releaseSlow: () => release?.(),
    /** How many `slow` requests reached their resolver. */
    slowStarted: () => slowStarted,
    /** How many `touch` mutations ran. */
    mutations: () => mutations,
  };
}
