import { createPubSub } from "@graphql-yoga/subscription";
import type { GraphQLSchema } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { buildGatewaySchema } from "../../src/resolvers/build-schema.js";
import { preparer, refusal } from "./prepare.js";

/** The pipeline's checks on the gateway's own schema, in the order it applies them, up to execution. */
let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildGatewaySchema({ pubSub: createPubSub() });
});

const deep = '{ pipeline(id: "p") { project { pipelines { nodes { workflows { jobs { id } } } } } } }';

describe("the pipeline's checks", () => {
  it("refuse too many tokens before parsing", async () => {
    const error = refusal(await preparer(schema, { maxTokens: 5 })({ query: "{ syncStatus { running cycles } }" }));
    expect(error.message).toMatch(/^query token count 7 exceeds the maximum of 5 \(GRAPHQL_MAX_TOKENS\)/);
  });

  it("answer a syntax error, validation errors or a missing operation with their codes", async () => {
    const prepare = preparer(schema);
    const syntax = refusal(await prepare({ query: "{ syncStatus { " }));
    expect([syntax.message, syntax.extensions.code]).toEqual([expect.stringMatching(/^Syntax Error/), "GRAPHQL_PARSE_FAILED"]);
    const invalid = refusal(await prepare({ query: "{ nope }" }));
    expect([invalid.message, invalid.extensions.code]).toEqual([expect.stringMatching(/Cannot query field "nope"/), "GRAPHQL_VALIDATION_FAILED"]);
    const twoOperations = "query A { syncStatus { running } } query B { projects { slug } }";
    const unnamed = refusal(await prepare({ query: twoOperations }));
    expect([unnamed.message, unnamed.extensions.code]).toEqual([expect.stringMatching(/operationName/), "OPERATION_RESOLUTION_FAILURE"]);
    expect(refusal(await prepare({ query: twoOperations, operationName: "C" })).message).toMatch(/no operation named "C"/);
    expect((await prepare({ query: twoOperations, operationName: "B" })).ready).toBe(true);
  });

  it("refuse depth, aliases and cost over their limits, after validation", async () => {
    expect(refusal(await preparer(schema, { maxDepth: 6 })({ query: deep })).message).toMatch(/^query depth 7 exceeds the maximum of 6/);
    const aliased = "{ a: syncStatus { running } b: syncStatus { running } }";
    expect(refusal(await preparer(schema, { maxAliases: 1 })({ query: aliased })).message).toMatch(/^query alias count 2 exceeds the maximum of 1/);
    const costly = 'query($n: Int) { pipelines(projectSlug: "gh/a/b", first: $n) { nodes { id } } }';
    const prepare = preparer(schema, { maxCost: 100 });
    expect(refusal(await prepare({ query: costly, variables: { n: 100 } })).extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", measured: 101, maximum: 100 });
    expect((await prepare({ query: costly, variables: { n: 99 } })).ready).toBe(true);
  });

  it("refuse variables that do not fit their definitions as BAD_USER_INPUT, naming the variable", async () => {
    const query = "query ($projectSlug: String!, $number: Int!) { job(projectSlug: $projectSlug, number: $number) { number } }";
    const prepare = preparer(schema);
    const wrongType = refusal(await prepare({ query, variables: { projectSlug: "gh/a/b", number: "seven" } }));
    expect([wrongType.message, wrongType.extensions.code]).toEqual([expect.stringMatching(/^Variable "\$number" got invalid value "seven"/), "BAD_USER_INPUT"]);
    const missing = refusal(await prepare({ query, variables: { number: 7 } }));
    expect(missing.message).toMatch(/^Variable "\$projectSlug" of required type "String!" was not provided/);
  });

  it("let GET carry queries only, and HTTP POST no subscriptions", async () => {
    const get = preparer(schema, {}, "http-get");
    const subscription = "subscription { pipelineCreated { id } }";
    const overGet = await get({ query: subscription });
    expect(overGet.ready ? undefined : [overGet.answer.refusal, overGet.errors[0]?.message]).toEqual(["query-only", expect.stringMatching(/^GET requests only support query operations, not subscription/)]);
    const overPost = await preparer(schema, {}, "http-post")({ query: subscription });
    expect(overPost.ready ? undefined : [overPost.answer.refusal, overPost.errors[0]?.message]).toEqual(["invalid", expect.stringMatching(/WebSocket/)]);
    expect((await preparer(schema)({ query: subscription })).ready).toBe(true);
  });

  it("give what runs when every check passes", async () => {
    const prepared = await preparer(schema)({ query: deep, operationName: null, variables: { x: 1 } });
    expect(prepared.ready && { type: prepared.prepared.operationType, name: prepared.prepared.operationName, variables: prepared.prepared.variables }).toEqual({
      type: "query",
      name: undefined,
      variables: { x: 1 },
    });
  });
});
