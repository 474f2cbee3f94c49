import { createPubSub } from "@graphql-yoga/subscription";
import { getOperationAST, parse } from "graphql";
import type { GraphQLSchema, OperationDefinitionNode } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { buildFederatedSubgraphSchema, buildGatewaySchema } from "../../../src/resolvers/build-schema.js";
import { ASSUMED_LIST_SIZES, DEFAULT_ASSUMED_LIST_SIZE, measureOperation } from "../../../src/server/limits/index.js";
import type { AssumedListSizes } from "../../../src/server/limits/index.js";
import { PIPELINE_TREES, readOperation } from "./operations.js";

let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildGatewaySchema({ pubSub: createPubSub() });
});

function measure(source: string, variables?: Record<string, unknown>, operationName?: string, listSizes?: AssumedListSizes) {
  const document = parse(source);
  const operation = getOperationAST(document, operationName);
  if (operation == null) throw new Error(`no operation in ${source}`);
  return measureOperation(schema, document, operation, variables, listSizes);
}

/** The size the table assumes of the list at `coordinate`. */
function assumed(coordinate: string): number {
  const size = ASSUMED_LIST_SIZES[coordinate];
  if (size === undefined) throw new Error(`no assumed size for ${coordinate}`);
  return size;
}

/** The cost of `source` with `listSizes` as the table of assumed sizes. */
const measureWith = (listSizes: AssumedListSizes, source: string) => measure(source, undefined, undefined, listSizes).cost;

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
  const projects = assumed("Query.projects");
  const streams = assumed("SyncStatus.streams");
  const workflows = assumed("Pipeline.workflows");
  const jobs = assumed("Workflow.jobs");
  const steps = assumed("JobDetail.steps");
  const actions = assumed("Step.actions");

  it("counts objects, not scalars", () => {
    expect(measure("{ syncStatus { running cycles } }").cost).toBe(1);
    expect(measure('{ job(projectSlug: "gh/a/b", number: 1) { name executor { type } } }').cost).toBe(2);
  });

  it("takes a list without a slicing argument to hold its assumed size, looked up by its coordinate", () => {
    expect(measure("{ projects { slug } }").cost).toBe(projects);
    expect(measure("{ syncStatus { streams { stream } } }").cost).toBe(1 + streams);
    expect(measureWith({ "Query.projects": 3 }, "{ projects { slug } }")).toBe(3);
    expect(measureWith({}, "{ projects { slug } }")).toBe(DEFAULT_ASSUMED_LIST_SIZE);
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

  it("takes the schema's default when `first` is no usable count, as the resolver does for null", () => {
    const source = 'query($first: Int) { pipelines(projectSlug: "gh/a/b", first: $first) { nodes { id } } }';
    expect(measure(source, { first: "many" }).cost).toBe(1 + 20);
    expect(measure(source, { first: -5 }).cost).toBe(1 + 20);
    expect(measure(source, { first: null }).cost).toBe(1 + 20);
  });

  it("multiplies nested lists", () => {
    // projects x [1 + pipelines connection (1 + nodes 3 x (1 + workflows x (1 + jobs x 1)))]
    const tree = "{ projects { pipelines(first: 3) { nodes { workflows { jobs { id } } } } } }";
    expect(measure(tree).cost).toBe(projects * (1 + (1 + 3 * (1 + workflows * (1 + jobs)))));
    // A connection nested in a connection multiplies by both `first`s.
    const nested = '{ pipelines(projectSlug: "gh/a/b", first: 100) { nodes { project { pipelines(first: 100) { nodes { id } } } } } }';
    expect(measure(nested).cost).toBe(1 + 100 * (1 + 1 + (1 + 100)));
  });

  it("is 4 752 for the dashboard's 50 pipelines, twice that (nearly) for 100", () => {
    const dashboard = readOperation("dashboard");
    // nodes: 50 x (pipeline 1 + vcs 1 + workflows x (1 + jobs x (1 + details 1 + executor 1))); + connection + pageInfo
    expect(measure(dashboard, { projectSlug: "gh/a/b" }).cost).toBe(1 + 50 * (2 + workflows * (1 + jobs * 3)) + 1);
    expect(measure(dashboard, { projectSlug: "gh/a/b" }).cost).toBe(4752);
    expect(measure(dashboard, { projectSlug: "gh/a/b", first: 100 }).cost).toBe(9502);
  });

  it("is 99 401 for 100 pipelines with their workflows, jobs, details, steps and actions", () => {
    // 1 + 100 x (pipeline 1 + workflows x (1 + jobs x (1 + details 1 + executor 1 + steps x (1 + actions))))
    expect(measure(PIPELINE_TREES, { slug: "gh/a/b" }).cost).toBe(1 + 100 * (1 + workflows * (1 + jobs * (3 + steps * (1 + actions)))));
    expect(measure(PIPELINE_TREES, { slug: "gh/a/b" }).cost).toBe(99_401);
  });

  it("sizes a federation router's _entities by the representations it sends", async () => {
    const subgraph = await buildFederatedSubgraphSchema();
    const source = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Pipeline { id workflows { id } } } }";
    const document = parse(source);
    const operation = getOperationAST(document) as OperationDefinitionNode;
    const representations = Array.from({ length: 4 }, (_, index) => ({ __typename: "Pipeline", id: `p${index}` }));
    expect(measureOperation(subgraph, document, operation, { r: representations }).cost).toBe(4 * (1 + workflows));
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
      cost: 1 + assumed("SyncStatus.streams"),
    });
    expect(measure("{ syncStatus { ...Missing } }")).toEqual({ depth: 1, aliases: 0, cost: 1 });
  });

  it("picks the named operation", () => {
    const source = "query A { syncStatus { running } } query B { projects { pipelines { nodes { id } } } }";
    expect(measure(source, {}, "A").depth).toBe(2);
    expect(measure(source, {}, "B").depth).toBe(4);
  });
});
