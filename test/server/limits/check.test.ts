import { createPubSub } from "@graphql-yoga/subscription";
import { getIntrospectionQuery, getNamedType, isIntrospectionType, isObjectType, parse, TypeInfo, visit, visitWithTypeInfo } from "graphql";
import type { GraphQLError, GraphQLObjectType, GraphQLSchema } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { demoSampleOperations } from "../../../src/commands/demo.js";
import { MAX_PAGE_SIZE } from "../../../src/loaders/index.js";
import { buildFederatedSubgraphSchema, buildGatewaySchema } from "../../../src/resolvers/build-schema.js";
import {
  checkBatch,
  countTokens,
  DEFAULT_QUERY_LIMITS,
  firstViolation,
  limitError,
  prepareOperation,
  violationMessage,
} from "../../../src/server/limits/index.js";
import type { PreparedOperation, QueryLimits } from "../../../src/server/limits/index.js";
import { everyFieldSelections } from "./every-field-query.js";
import { allOperationFiles, PIPELINE_TREES } from "./operations.js";

let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildGatewaySchema({ pubSub: createPubSub() });
});

const limits = (overrides: Partial<QueryLimits>): QueryLimits => ({ ...DEFAULT_QUERY_LIMITS, ...overrides });

function refusal(outcome: PreparedOperation | readonly GraphQLError[]): GraphQLError {
  if ("meter" in outcome) throw new Error("expected a refusal, got an operation to execute");
  expect(outcome).toHaveLength(1);
  return outcome[0] as GraphQLError;
}

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

describe("prepareOperation", () => {
  const deep = '{ pipeline(id: "p") { project { pipelines { nodes { workflows { jobs { id } } } } } } }';

  it("refuses too many tokens before parsing", () => {
    const error = refusal(prepareOperation(schema, { query: "{ syncStatus { running cycles } }" }, limits({ maxTokens: 5 })));
    expect(error.message).toMatch(/^query token count 7 exceeds the maximum of 5 \(GRAPHQL_MAX_TOKENS\)/);
  });

  it("answers a syntax error, validation errors or a missing operation as they are", () => {
    expect(refusal(prepareOperation(schema, { query: "{ syncStatus { " }, DEFAULT_QUERY_LIMITS)).message).toMatch(/^Syntax Error/);
    const invalid = prepareOperation(schema, { query: "{ nope }" }, DEFAULT_QUERY_LIMITS);
    expect(refusal(invalid).message).toMatch(/Cannot query field "nope"/);
    const twoOperations = "query A { syncStatus { running } } query B { projects { slug } }";
    expect(refusal(prepareOperation(schema, { query: twoOperations }, DEFAULT_QUERY_LIMITS)).message).toMatch(/operationName/);
    expect(refusal(prepareOperation(schema, { query: twoOperations, operationName: "C" }, DEFAULT_QUERY_LIMITS)).message).toMatch(/no operation named "C"/);
  });

  it("refuses depth, aliases and cost over their limits, after validation", () => {
    expect(refusal(prepareOperation(schema, { query: deep }, limits({ maxDepth: 6 }))).message).toMatch(/^query depth 7 exceeds the maximum of 6/);
    const aliased = "{ a: syncStatus { running } b: syncStatus { running } }";
    expect(refusal(prepareOperation(schema, { query: aliased }, limits({ maxAliases: 1 }))).message).toMatch(/^query alias count 2 exceeds the maximum of 1/);
    const costly = 'query($n: Int) { pipelines(projectSlug: "gh/a/b", first: $n) { nodes { id } } }';
    const refused = refusal(prepareOperation(schema, { query: costly, variables: { n: 100 } }, limits({ maxCost: 100 })));
    expect(refused.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", measured: 101, maximum: 100 });
    expect(Array.isArray(prepareOperation(schema, { query: costly, variables: { n: 99 } }, limits({ maxCost: 100 })))).toBe(false);
  });

  it("returns what graphql-ws executes when every limit holds, with the operation's cost meter", () => {
    const prepared = prepareOperation(schema, { query: deep, operationName: null, variables: { x: 1 } }, DEFAULT_QUERY_LIMITS);
    if (!("meter" in prepared)) throw new Error(`refused: ${prepared[0]?.message}`);
    expect(prepared.args).toMatchObject({ schema, operationName: null, variableValues: { x: 1 } });
    // pipeline 1 + project 1 + pipelines connection (1 + 20 nodes x (1 + workflows x (1 + jobs)))
    expect(prepared.meter.settle()).toEqual({ requested: 2 + 1 + 20 * (1 + 3 * (1 + 10)), maximum: DEFAULT_QUERY_LIMITS.maxCost });
  });
});

describe("the default limits", () => {
  it("pass every operation in test/operations, at the largest page", () => {
    const files = allOperationFiles();
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const { file, source } of files) {
      for (const operation of parse(source).definitions) {
        const operationName = "name" in operation ? operation.name?.value : undefined;
        const outcome = prepareOperation(schema, { query: source, operationName, variables: { projectSlug: "gh/a/b", first: 100, id: "x", number: 1 } }, DEFAULT_QUERY_LIMITS);
        expect(Array.isArray(outcome) ? { file, operationName, errors: outcome.map((error) => error.message) } : "passes").toBe("passes");
      }
    }
  });

  it("pass 100 pipelines with their whole trees, down to each step's actions", () => {
    expect(requestedCost(PIPELINE_TREES, { slug: "gh/a/b" })).toBeLessThan(DEFAULT_QUERY_LIMITS.maxCost / 10);
  });

  it("pass the demo's sample query and subscription", () => {
    for (const query of Object.values(demoSampleOperations("gh/a/b"))) {
      expect(Array.isArray(prepareOperation(schema, { query }, DEFAULT_QUERY_LIMITS))).toBe(false);
    }
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
    for (const target of [schema, subgraph]) {
      expect(Array.isArray(prepareOperation(target, { query: introspection }, DEFAULT_QUERY_LIMITS))).toBe(false);
    }
  });

  it("pass one page of 100 pipelines per project with every field of the schema, and refuse a few such pages aliased", () => {
    const selections = everyFieldSelections(schema, { maxDepth: DEFAULT_QUERY_LIMITS.maxDepth, first: MAX_PAGE_SIZE, values: PLACEHOLDERS });
    const every = `{ ${[...selections.values()].join(" ")} }`;
    expect(fieldsOf(every)).toEqual(fieldsOfSchema());
    const requested = requestedCost(every);
    expect(requested).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxCost);
    expect(requested).toBeGreaterThan(DEFAULT_QUERY_LIMITS.maxCost * 0.8);

    // Every project's page twice, and one project's page (about a twentieth of the whole) 25 times.
    for (const [rootField, copies] of [["projects", 2], ["pipelines", 25]] as const) {
      const { query, single } = aliasedCopies(selections, rootField, copies);
      const error = refusal(prepareOperation(schema, { query }, DEFAULT_QUERY_LIMITS));
      expect(error.extensions).toMatchObject({ limit: "GRAPHQL_MAX_COST", measured: copies * requestedCost(`{ ${single} }`) });
    }
  });
});

/** What the estimate says an operation that passes every default limit costs. */
function requestedCost(query: string, variables?: Record<string, unknown>): number {
  const prepared = prepareOperation(schema, { query, variables }, DEFAULT_QUERY_LIMITS);
  if (!("meter" in prepared)) throw new Error(`refused: ${prepared[0]?.message}`);
  return prepared.meter.requested;
}

/** `copies` aliased copies of a root field's selection, its fields spread from one fragment so the document stays short. */
function aliasedCopies(selections: ReadonlyMap<string, string>, rootField: string, copies: number) {
  const single = selections.get(rootField) as string;
  const brace = single.indexOf("{");
  const type = getNamedType(schema.getQueryType()?.getFields()[rootField]?.type);
  const aliases = Array.from({ length: copies }, (_, index) => `copy${index}: ${single.slice(0, brace)}{ ...Fields }`);
  return { single, query: `{ ${aliases.join(" ")} } fragment Fields on ${type?.name} ${single.slice(brace)}` };
}

/** A literal for each required argument: the estimate does not read them. */
const PLACEHOLDERS = {
  "Query.project.slug": '"gh/a/b"',
  "Query.pipeline.id": '"p"',
  "Query.pipelines.projectSlug": '"gh/a/b"',
  "Query.workflow.id": '"w"',
  "Query.job.projectSlug": '"gh/a/b"',
  "Query.job.number": "1",
};

/** The coordinates (`Type.field`) an operation selects. */
function fieldsOf(source: string): Set<string> {
  const coordinates = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    parse(source),
    visitWithTypeInfo(typeInfo, {
      Field() {
        coordinates.add(`${typeInfo.getParentType()?.name ?? "?"}.${typeInfo.getFieldDef()?.name ?? "?"}`);
      },
    }),
  );
  return coordinates;
}

/** Every field of every object type a query can reach. */
function fieldsOfSchema(): Set<string> {
  const subscription = schema.getSubscriptionType();
  return new Set(
    Object.values(schema.getTypeMap())
      .filter((type) => isObjectType(type) && !isIntrospectionType(type) && type !== subscription)
      .flatMap((type) => Object.keys((type as GraphQLObjectType).getFields()).map((field) => `${type.name}.${field}`)),
  );
}
