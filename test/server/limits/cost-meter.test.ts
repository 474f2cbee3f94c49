import { EventEmitter, on } from "node:events";
import { execute, GraphQLObjectType, GraphQLSchema, GraphQLString, GraphQLUnionType, parse, subscribe } from "graphql";
import type { ExecutionResult } from "graphql";
import { describe, expect, it } from "vitest";
import { CostMeter, costMeterOf, meterObjectTypes, UnmeterableSchemaError } from "../../../src/server/limits/index.js";
import { objectsBelow } from "../../support/answer.js";
import { createTinySchema, CROWD } from "../tiny-schema.js";

/** Runs `source` over a metered tiny schema with `meter` on its context (none when undefined). */
async function run(source: string, meter?: CostMeter): Promise<ExecutionResult> {
  const { schema, context } = createTinySchema();
  meterObjectTypes(schema);
  const contextValue = context();
  meter?.attachTo(contextValue);
  return execute({ schema, document: parse(source), contextValue });
}

describe("CostMeter over a metered schema", () => {
  it("counts each object the execution produces: not the root, scalars, nulls or introspection", async () => {
    const meter = new CostMeter(7, 1000);
    const result = await run("{ hello nested { hello items(first: 3) { contextId nested { hello } } } __schema { types { name } } }", meter);
    expect(result.errors).toBeUndefined();
    // nested 1 + items 3 x (1 + nested 1)
    expect(meter.settle()).toEqual({ requested: 7, actual: 1 + 3 * 2, maximum: 1000 });
    expect(objectsBelow({ ...result.data, __schema: null })).toBe(7);
  });

  it("stops producing once the maximum is reached: each further object's field fails with QUERY_TOO_COMPLEX", async () => {
    const meter = new CostMeter(10, 20);
    const result = await run("{ crowd { hello } }", meter);
    const crowd = (result.data as { crowd: ({ hello: string } | null)[] }).crowd;
    expect(crowd.filter((item) => item !== null)).toHaveLength(20);
    expect(crowd.slice(20)).toEqual(Array.from({ length: CROWD - 20 }, () => null));
    expect(result.errors).toHaveLength(CROWD - 20);
    expect(result.errors?.[0]?.path).toEqual(["crowd", 20]);
    expect(result.errors?.[0]?.message).toMatch(/^query cost passed the maximum of 20 \(GRAPHQL_MAX_COST\) during execution, as the data is larger than estimated: .*, or raise GRAPHQL_MAX_COST$/);
    expect(result.errors?.[0]?.extensions).toEqual({ code: "QUERY_TOO_COMPLEX", limit: "GRAPHQL_MAX_COST", maximum: 20 });
    expect(meter.settle()).toEqual({ requested: 10, actual: 20, maximum: 20 });
  });

  it("counts nothing for a context without a meter, and reports no actual cost for an operation that never ran", async () => {
    expect(await run("{ crowd { hello } }")).toEqual({ data: { crowd: Array.from({ length: CROWD }, () => ({ hello: "world" })) } });
    expect(new CostMeter(12, 10).settle()).toEqual({ requested: 12, maximum: 10 });
    expect(costMeterOf({})).toBeUndefined();
    expect(costMeterOf(undefined)).toBeUndefined();
  });

  it("starts again at 0 once settled, so each event of a subscription is bounded and reported on its own", async () => {
    const { schema: tiny, context } = createTinySchema();
    const query = tiny.getQueryType() as GraphQLObjectType;
    const ticks = new EventEmitter();
    const crowd = { type: query.getFields().crowd?.type ?? GraphQLString, subscribe: () => on(ticks, "tick"), resolve: () => Array.from({ length: CROWD }, () => ({})) };
    const schema = new GraphQLSchema({ query, subscription: new GraphQLObjectType({ name: "Subscription", fields: { crowd } }) });
    meterObjectTypes(schema);
    const meter = new CostMeter(10, CROWD);
    const contextValue = context();
    meter.attachTo(contextValue);
    const stream = (await subscribe({ schema, document: parse("subscription { crowd { hello } }"), contextValue })) as AsyncGenerator<ExecutionResult>;
    for (let event = 0; event < 3; event += 1) {
      const next = stream.next();
      ticks.emit("tick", event);
      expect((await next).value.errors).toBeUndefined();
      expect(meter.settle()).toEqual({ requested: 10, actual: CROWD, maximum: CROWD });
    }
    await stream.return(undefined);
  });
});

describe("meterObjectTypes", () => {
  it("is idempotent", async () => {
    const { schema } = createTinySchema();
    meterObjectTypes(schema);
    meterObjectTypes(schema);
    const meter = new CostMeter(1, 10);
    const contextValue = {};
    meter.attachTo(contextValue);
    await execute({ schema, document: parse("{ nested { hello } }"), contextValue });
    expect(meter.settle().actual).toBe(1);
  });

  it("refuses a schema whose union has no resolveType, or whose type tells its values apart itself", () => {
    const cat = new GraphQLObjectType({ name: "Cat", fields: { name: { type: GraphQLString } } });
    const dog = new GraphQLObjectType({ name: "Dog", fields: { name: { type: GraphQLString } }, isTypeOf: (value) => "barks" in (value as object) });
    const pet = (resolveType?: () => string) => new GraphQLUnionType({ name: "Pet", types: [cat, dog], resolveType });
    const schemaWith = (union: GraphQLUnionType) => new GraphQLSchema({ query: new GraphQLObjectType({ name: "Query", fields: { pet: { type: union } } }) });
    expect(() => meterObjectTypes(schemaWith(pet()))).toThrow(new UnmeterableSchemaError("cannot count the objects of a schema whose Pet has no resolveType: give it one"));
    expect(() => meterObjectTypes(schemaWith(pet(() => "Cat")))).toThrow(/^cannot count the objects of type Dog: it has an isTypeOf of its own$/);
    expect(cat.isTypeOf).toBeUndefined();
  });
});
