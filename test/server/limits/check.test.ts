import { createPubSub } from "@graphql-yoga/subscription";
import { getIntrospectionQuery, getNamedType, getOperationAST, isIntrospectionType, isObjectType, Kind, parse, TypeInfo, visit, visitWithTypeInfo } from "graphql";
import type { GraphQLObjectType, GraphQLSchema } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { demoSampleOperations } from "../../../src/commands/demo.js";
import { MAX_PAGE_SIZE } from "../../../src/loaders/index.js";
import { buildFederatedSubgraphSchema, buildGatewaySchema } from "../../../src/resolvers/build-schema.js";
import {
  checkBatch,
  checkOperation,
  countTokens,
  DEFAULT_QUERY_LIMITS,
  firstViolation,
  limitError,
  violationMessage,
} from "../../../src/server/limits/index.js";
import type { QueryLimits } from "../../../src/server/limits/index.js";
import { preparer, refusal } from "../../operation/prepare.js";
import { everyFieldSelections } from "./every-field-query.js";
import { allOperationFiles, PIPELINE_TREES } from "./operations.js";

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
      // Fragments are definitions too, but only operations run.
      for (const operation of parse(source).definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION)) {
        const operationName = operation.name?.value;
        const outcome = await prepare({ query: source, operationName, variables: { projectSlug: "gh/a/b", first: 100, id: "x", number: 1, workflowId: "x", jobId: "x", workflowName: "build" } });
        expect(outcome.ready ? "passes" : { file, operationName, errors: outcome.errors.map((error) => error.message) }).toBe("passes");
      }
    }
  });

  it("pass 100 pipelines with their whole trees, down to each step's actions", () => {
    expect(requestedCost(PIPELINE_TREES, { slug: "gh/a/b" })).toBeLessThan(DEFAULT_QUERY_LIMITS.maxCost / 10);
  });

  it("pass the demo's sample query, subscription and mutation", async () => {
    const prepare = preparer(schema);
    for (const query of Object.values(demoSampleOperations("gh/a/b"))) {
      expect((await prepare({ query })).ready).toBe(true);
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
      expect((await preparer(target)({ query: introspection })).ready).toBe(true);
    }
  });

  it("pass one page of 100 pipelines per project with every field of the schema, and refuse a few such pages aliased", async () => {
    const selections = everyFieldSelections(schema, { maxDepth: DEFAULT_QUERY_LIMITS.maxDepth, first: MAX_PAGE_SIZE, values: PLACEHOLDERS });
    const every = `{ ${[...selections.values()].join(" ")} }`;
    expect(fieldsOf(every)).toEqual(fieldsOfSchema());
    const requested = requestedCost(every);
    expect(requested).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxCost);
    expect(requested).toBeGreaterThan(DEFAULT_QUERY_LIMITS.maxCost * 0.8);

    // Every project's page twice, and one project's page (about a twentieth of the whole) 25 times.
    for (const [rootField, copies] of [["projects", 2], ["pipelines", 25]] as const) {
      const { query, single } = aliasedCopies(selections, rootField, copies);
      const error = refusal(await preparer(schema)({ query }));
      expect(error.extensions).toMatchObject({ limit: "GRAPHQL_MAX_COST", measured: copies * requestedCost(`{ ${single} }`) });
    }
  });
});

/** What the estimate says an operation that passes every default limit costs. */
function requestedCost(query: string, variables?: Record<string, unknown>): number {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (operation == null) throw new Error("the query needs exactly one operation");
  const { meter, refusal: refused } = checkOperation(schema, document, operation, variables, DEFAULT_QUERY_LIMITS);
  if (refused !== undefined) throw new Error(`refused: ${refused.message}`);
  return meter.requested;
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
  "Query.workflowInsights.projectSlug": '"gh/a/b"',
  "Query.jobInsights.projectSlug": '"gh/a/b"',
  "Query.jobInsights.workflowName": '"build"',
  "Query.flakyTests.projectSlug": '"gh/a/b"',
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
  // A query reaches neither root: subscriptions and mutations are operations of their own.
  const roots = new Set([schema.getSubscriptionType(), schema.getMutationType()]);
  return new Set(
    Object.values(schema.getTypeMap())
      .filter((type) => isObjectType(type) && !isIntrospectionType(type) && !roots.has(type))
      .flatMap((type) => Object.keys((type as GraphQLObjectType).getFields()).map((field) => `${type.name}.${field}`)),
  );
}
