import { createPubSub } from "@graphql-yoga/subscription";
import { getNamedType, getNullableType, isCompositeType, isListType, isObjectType } from "graphql";
import type { GraphQLField } from "graphql";
import { describe, expect, it } from "vitest";
import { buildGatewaySchema } from "../../../src/resolvers/build-schema.js";
import { ASSUMED_LIST_SIZES } from "../../../src/server/limits/index.js";

describe("the assumed list sizes", () => {
  it("name every list of objects of the schema that no `first` sizes, and nothing else", async () => {
    const schema = await buildGatewaySchema({ pubSub: createPubSub() });
    const fields = Object.values(schema.getTypeMap()).flatMap((type) =>
      isObjectType(type) && !type.name.startsWith("__") ? Object.values(type.getFields()).map((field) => ({ type: type.name, field })) : [],
    );
    const hasFirst = (field: GraphQLField<unknown, unknown>) => field.args.some((argument) => argument.name === "first");
    // A connection's lists (`nodes`, `edges`) hold the `first` of the field that returned the connection.
    const connections = new Set(fields.filter(({ field }) => hasFirst(field) && !isListType(getNullableType(field.type))).map(({ field }) => getNamedType(field.type).name));
    const unsized = fields
      .filter(({ type, field }) => isListType(getNullableType(field.type)) && isCompositeType(getNamedType(field.type)) && !hasFirst(field) && !connections.has(type))
      .map(({ type, field }) => `${type}.${field.name}`);
    expect(Object.keys(ASSUMED_LIST_SIZES).sort()).toEqual(unsized.sort());
    for (const size of Object.values(ASSUMED_LIST_SIZES)) expect(Number.isInteger(size) && size >= 1).toBe(true);
  });
});
