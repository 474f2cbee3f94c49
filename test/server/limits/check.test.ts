import { createPubSub } from "@graphql-yoga/subscription";
import { getIntrospectionQuery, parse } from "graphql";
import type { GraphQLSchema } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { demoSampleOperations } from "../../../src/commands/demo.js";
import { buildFederatedSubgraphSchema, buildGatewaySchema } from "../../../src/resolvers/build-schema.js";
import {
  checkBatch,
  countTokens,
  DEFAULT_QUERY_LIMITS,
  firstViolation,
  limitError,
  violationMessage,
} from "../../../src/server/limits/index.js";
import type { QueryLimits } from "../../../src/server/limits/index.js";
import { preparer, refusal } from "../../operation/prepare.js";
import { allOperationFiles } from "./operations.js";

let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildGatewaySchema({ pubSub: createPubSub() });
});

const limits = (overrides: Partial<QueryLimits>): QueryLimits => ({ ...DEFAULT_QUERY_LIMITS, ...overrides });

describe("countTokens", () => {
  it("counts what graphql-js's parser counts for maxTokens: punctuators, names, values; no comments or commas", () => {
    expect(countTokens("")).toBe(0);
    expect(countTokens("{ hello }")).toBe(3);
    expect(countTokens('# a comment\n{ a: f(x: "s", y: [1, 2.5]) }')).toBe(16);
    for (const source of ["{ hello }", '{ a: f(x: "s", y: [1, 2.5]) } # trailing', "query Q($v: Int = 3) { f(v: $v) { ...F } }"]) {
      const tokens = countTokens(source);
      expect(() => parse(source, { maxTokens: tokens })).not.toThrow();
      expect(() => parse(source, { maxTokens: tokens - 1 })).toThrow(/Document contains more/);
    }
  });

  it("stops at a lexical error, which parsing reports", () => {
    expect(countTokens('{ a(x: "unterminated }')).toBe(5);
  });
});

describe("refusals", () => {
  it("name the limit, the measured value, the maximum and the setting", () => {
    expect(violationMessage({ limit: "maxDepth", measured: 14, maximum: 12 })).toBe(
      "query depth 14 exceeds the maximum of 12 (GRAPHQL_MAX_DEPTH): nest fewer levels, or raise GRAPHQL_MAX_DEPTH",
    );
    const error = limitError({ limit: "maxCost", measured: 120_000, maximum: 100_000 });
    expect(error.message).toMatch(/^query cost 120000 exceeds the maximum of 100000 \(GRAPHQL_MAX_COST\): .*`first`/);
    expect(error.extensions).toEqual({ code: "QUERY_TOO_COMPLEX", limit: "GRAPHQL_MAX_COST", measured: 120_000, maximum: 100_000 });
  });

  it("report the first limit exceeded, none at the maximum itself", () => {
    const bounds = limits({ maxDepth: 5, maxAliases: 3 });
    expect(firstViolation({ maxDepth: 5, maxAliases: 3 }, bounds)).toBeUndefined();
    expect(firstViolation({ maxDepth: 5, maxAliases: 4 }, bounds)).toEqual({ limit: "maxAliases", measured: 4, maximum: 3 });
    expect(firstViolation({ maxDepth: 6, maxAliases: 4 }, bounds)?.limit).toBe("maxDepth");
  });

  it("refuse a batch over maxBatch with BATCH_TOO_LARGE", () => {
    expect(checkBatch(10, limits({ maxBatch: 10 }))).toBeUndefined();
    const error = checkBatch(11, limits({ maxBatch: 10 }));
    expect(error?.message).toBe("batch size 11 exceeds the maximum of 10 (GRAPHQL_MAX_BATCH): send fewer operations per request, or raise GRAPHQL_MAX_BATCH");
    expect(error?.extensions.code).toBe("BATCH_TOO_LARGE");
  });
});

describe("the default limits", () => {
  it("pass every operation in test/operations, at the largest page", async () => {
    const files = allOperationFiles();
    expect(files.length).toBeGreaterThanOrEqual(6);
    const prepare = preparer(schema);
    for (const { file, source } of files) {
      for (const operation of parse(source).definitions) {
        const operationName = "name" in operation ? operation.name?.value : undefined;
        const outcome = await prepare({ query: source, operationName, variables: { projectSlug: "gh/a/b", first: 100, id: "x", number: 1 } });
        expect(outcome.ready ? "passes" : { file, operationName, errors: outcome.errors.map((error) => error.message) }).toBe("passes");
      }
    }
  });

  it("pass the demo's sample query and subscription", async () => {
    const prepare = preparer(schema);
    for (const query of Object.values(demoSampleOperations("gh/a/b"))) expect((await prepare({ query })).ready).toBe(true);
  });

  it("pass the full introspection query (Sandbox, codegen) on the gateway and the subgraph schema", async () => {
    const introspection = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    });
    const subgraph = await buildFederatedSubgraphSchema();
    for (const target of [schema, subgraph]) expect((await preparer(target)({ query: introspection })).ready).toBe(true);
  });

  it("pass a dashboard over every project at 100 pipelines each, and refuse one nesting pages in pages", async () => {
    const prepare = preparer(schema);
    // 10 x (2 + 100 x (2 + 10 x (1 + 10 x 3))) = 312 020
    const everyProject = "{ projects { pipelines(first: 100) { nodes { vcs { branch } workflows { jobs { details { executor { type } } } } } } } }";
    expect((await prepare({ query: everyProject })).ready).toBe(true);
    // 100 x 100 pipelines x 10 workflows x 10 jobs: over a million.
    const pagesInPages = '{ pipelines(projectSlug: "gh/a/b", first: 100) { nodes { project { pipelines(first: 100) { nodes { workflows { jobs { id } } } } } } } }';
    expect(refusal(await prepare({ query: pagesInPages })).extensions.limit).toBe("GRAPHQL_MAX_COST");
  });
});
