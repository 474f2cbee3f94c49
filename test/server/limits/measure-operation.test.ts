import { createPubSub } from "@graphql-yoga/subscription";
import { getOperationAST, parse } from "graphql";
import type { GraphQLSchema } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { buildGatewaySchema } from "../../../src/resolvers/build-schema.js";
import { LIST_SIZE_ESTIMATE, measureOperation } from "../../../src/server/limits/index.js";
import { readOperation } from "./operations.js";

let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildGatewaySchema({ pubSub: createPubSub() });
});

function measure(source: string, variables?: Record<string, unknown>, operationName?: string) {
  const document = parse(source);
  const operation = getOperationAST(document, operationName);
  if (operation == null) throw new Error(`no operation in ${source}`);
  return measureOperation(schema, document, operation, variables);
}

describe("depth", () => {
  it("counts field nesting from the root fields, through inline fragments and fragment spreads", () => {
    expect(measure("{ syncStatus { running } }").depth).toBe(2);
    expect(measure('{ pipeline(id: "p") { ... on Pipeline { workflows { jobs { id } } } } }').depth).toBe(4);
    expect(measure('{ pipeline(id: "p") { ...P } } fragment P on Pipeline { project { pipelines { nodes { id } } } }').depth).toBe(5);
  });

  it("is the deepest branch, not the sum of the branches", () => {
    expect(measure('{ syncStatus { running } pipeline(id: "p") { workflows { jobs { details { executor { type } } } } } }').depth).toBe(6);
  });

  it("does not count introspection or __typename", () => {
    expect(measure("{ __schema { types { fields { type { ofType { ofType { name } } } } } } }").depth).toBe(0);
    expect(measure("{ __typename syncStatus { __typename } }").depth).toBe(1);
  });

  it("is 7 for the dashboard", () => {
    expect(measure(readOperation("dashboard"), { projectSlug: "gh/a/b" }).depth).toBe(7);
  });
});

describe("aliases", () => {
  it("counts aliased fields, each spread of a fragment anew, introspection included", () => {
    expect(measure("{ syncStatus { running } }").aliases).toBe(0);
    expect(measure("{ a: syncStatus { r: running c: cycles } b: syncStatus { running } }").aliases).toBe(4);
    expect(measure('{ p: pipeline(id: "p") { ...W } q: pipeline(id: "q") { ...W } } fragment W on Pipeline { w: workflows { id } }').aliases).toBe(4);
    expect(measure("{ s: __schema { t: types { name } } }").aliases).toBe(2);
  });

  it("measures a fragment once however often it is spread, so a doubling chain stays cheap to measure", () => {
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, level) => `fragment F${level} on SyncStatus { ...F${level + 1} ...F${level + 1} }`);
    const source = `{ syncStatus { ...F0 } } ${fragments.join(" ")} fragment F${levels} on SyncStatus { a: running }`;
    expect(measure(source).aliases).toBe(2 ** levels);
  });
});

describe("cost", () => {
  it("counts objects, not scalars", () => {
    expect(measure("{ syncStatus { running cycles } }").cost).toBe(1);
    expect(measure('{ job(projectSlug: "gh/a/b", number: 1) { name executor { type } } }').cost).toBe(2);
  });

  it("takes a list without `first` to hold the estimate", () => {
    expect(measure("{ projects { slug } }").cost).toBe(LIST_SIZE_ESTIMATE);
    expect(measure("{ syncStatus { streams { stream } } }").cost).toBe(1 + LIST_SIZE_ESTIMATE);
  });

  it("sizes a connection's nodes and edges by its `first`: literal, variable, variable default, schema default", () => {
    expect(measure('{ pipelines(projectSlug: "gh/a/b", first: 5) { nodes { id } } }').cost).toBe(1 + 5);
    expect(measure('{ pipelines(projectSlug: "gh/a/b", first: 5) { edges { node { id } } pageInfo { hasNextPage } } }').cost).toBe(1 + 5 * 2 + 1);
    const withVariable = 'query($first: Int = 7) { pipelines(projectSlug: "gh/a/b", first: $first) { nodes { id } } }';
    expect(measure(withVariable, { first: 30 }).cost).toBe(1 + 30);
    expect(measure(withVariable, {}).cost).toBe(1 + 7);
    expect(measure('query($first: Int) { pipelines(projectSlug: "gh/a/b", first: $first) { nodes { id } } }', {}).cost).toBe(1 + 20);
    expect(measure('{ pipelines(projectSlug: "gh/a/b") { nodes { id } } }').cost).toBe(1 + 20);
  });

  it("falls back to the estimate when `first` is no usable count", () => {
    const source = 'query($first: Int) { pipelines(projectSlug: "gh/a/b", first: $first) { nodes { id } } }';
    expect(measure(source, { first: "many" }).cost).toBe(1 + LIST_SIZE_ESTIMATE);
    expect(measure(source, { first: -5 }).cost).toBe(1 + LIST_SIZE_ESTIMATE);
    expect(measure(source, { first: null }).cost).toBe(1 + LIST_SIZE_ESTIMATE);
  });

  it("multiplies nested lists", () => {
    // projects (10) x [1 + pipelines connection (1 + nodes 3 x (1 + workflows 10 x (1 + jobs 10 x 1)))]
    expect(measure("{ projects { pipelines(first: 3) { nodes { workflows { jobs { id } } } } } }").cost).toBe(10 * (1 + (1 + 3 * (1 + 10 * (1 + 10)))));
    // A connection nested in a connection multiplies by both `first`s.
    const nested = '{ pipelines(projectSlug: "gh/a/b", first: 100) { nodes { project { pipelines(first: 100) { nodes { id } } } } } }';
    expect(measure(nested).cost).toBe(1 + 100 * (1 + 1 + (1 + 100)));
  });

  it("is 15 602 for the dashboard's 50 pipelines, twice that (nearly) for 100", () => {
    const dashboard = readOperation("dashboard");
    // nodes: 50 x (pipeline 1 + vcs 1 + workflows 10 x (1 + jobs 10 x (1 + details 1 + executor 1))); + connection + pageInfo
    expect(measure(dashboard, { projectSlug: "gh/a/b" }).cost).toBe(1 + 50 * (2 + 10 * (1 + 10 * 3)) + 1);
    expect(measure(dashboard, { projectSlug: "gh/a/b", first: 100 }).cost).toBe(1 + 100 * 312 + 1);
  });

  it("leaves introspection out", () => {
    expect(measure("{ __schema { types { fields { name } } } __type(name: \"Query\") { name } }").cost).toBe(0);
  });
});

describe("a document that did not pass validation", () => {
  it("counts unknown fields for aliases only and cuts fragment cycles", () => {
    expect(measure("{ nope { a: deeper { b: deepest } } }")).toEqual({ depth: 0, aliases: 2, cost: 0 });
    expect(measure("{ syncStatus { ...A } } fragment A on SyncStatus { streams { ...B } } fragment B on StreamStatus { ...A }")).toEqual({
      depth: 2,
      aliases: 0,
      cost: 1 + LIST_SIZE_ESTIMATE,
    });
    expect(measure("{ syncStatus { ...Missing } }")).toEqual({ depth: 1, aliases: 0, cost: 1 });
  });

  it("picks the named operation", () => {
    const source = "query A { syncStatus { running } } query B { projects { pipelines { nodes { id } } } }";
    expect(measure(source, {}, "A").depth).toBe(2);
    expect(measure(source, {}, "B").depth).toBe(4);
  });
});
