import { readFile } from "node:fs/promises";
import { createPubSub } from "@graphql-yoga/subscription";
import { buildSchema as buildSdlSchema, isEnumType, isObjectType, print } from "graphql";
import type { GraphQLArgument, GraphQLField, GraphQLNamedType, GraphQLSchema } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { buildGatewaySchema, printGatewaySchema } from "../../src/resolvers/build-schema.js";
import { CONTRACT_SDL } from "./contract-sdl.js";

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildGatewaySchema({ pubSub: createPubSub() });
});

/** `name(arg: Type = default): Type`: everything the contract fixes about a field. */
function signature(field: GraphQLField<unknown, unknown>): string {
  const args = [...field.args].sort((a, b) => a.name.localeCompare(b.name)).map(argumentSignature);
  return `${field.name}(${args.join(", ")}): ${String(field.type)}`;
}

function argumentSignature(arg: GraphQLArgument): string {
  const defaultValue = arg.astNode?.defaultValue ? ` = ${print(arg.astNode.defaultValue)}` : arg.defaultValue === undefined ? "" : ` = ${JSON.stringify(arg.defaultValue)}`;
  return `${arg.name}: ${String(arg.type)}${defaultValue}`;
}

function ownTypes(target: GraphQLSchema): GraphQLNamedType[] {
  return Object.values(target.getTypeMap()).filter(
    (type) => !type.name.startsWith("__") && !["String", "Int", "Float", "Boolean", "ID"].includes(type.name),
  );
}

describe("the schema against the contract", () => {
  const contract = buildSdlSchema(CONTRACT_SDL);

  for (const expected of ownTypes(contract)) {
    it(`has ${expected.name} as the contract writes it`, () => {
      const actual = schema.getType(expected.name);
      expect(actual, `${expected.name} is missing`).toBeDefined();
      if (isObjectType(expected)) {
        expect(isObjectType(actual)).toBe(true);
        if (!isObjectType(actual)) return;
        for (const field of Object.values(expected.getFields())) {
          const actualField = actual.getFields()[field.name];
          expect(actualField, `${expected.name}.${field.name} is missing`).toBeDefined();
          if (actualField !== undefined) expect(signature(actualField)).toBe(signature(field));
        }
      } else if (isEnumType(expected)) {
        expect(isEnumType(actual)).toBe(true);
        if (!isEnumType(actual)) return;
        expect(actual.getValues().map((value) => value.name)).toEqual(expected.getValues().map((value) => value.name));
      } else {
        expect(actual?.constructor.name).toBe(expected.constructor.name);
      }
    });
  }

  it("compares default values as the contract prints them", () => {
    const pipelines = schema.getQueryType()?.getFields().pipelines;
    expect(pipelines && signature(pipelines)).toBe(
      "pipelines(after: String, branch: String, first: Int = 20, projectSlug: String!): PipelineConnection!",
    );
  });

  it("documents every type, field and argument (Sandbox shows these descriptions)", () => {
    const undocumented: string[] = [];
    // type-graphql gives the root types no description; their fields carry the documentation.
    const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]);
    for (const type of ownTypes(schema)) {
      if (!type.description && !roots.has(type as never)) undocumented.push(type.name);
      if (!isObjectType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        if (!field.description) undocumented.push(`${type.name}.${field.name}`);
        for (const arg of field.args) if (!arg.description) undocumented.push(`${type.name}.${field.name}(${arg.name})`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});

describe("schema.graphql", () => {
  it("is the printed schema of the code", async () => {
    const committed = await readFile(new URL("../../schema.graphql", import.meta.url), "utf8");
    expect(
      committed === (await printGatewaySchema()),
      "schema.graphql is out of date: regenerate it with `npm run build && node dist/schema/print.js > schema.graphql`",
    ).toBe(true);
  });
});
