import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  contextEnvVarSchema,
  contextSchema,
  jobDetailsSchema,
  jobStepsSchema,
  pageEnvelopeSchema,
  pipelineSchema,
  projectSchema,
  testResultSchema,
  userSchema,
  workflowJobSchema,
  workflowSchema,
} from "../../src/circleci/schemas.js";
import { KNOWN_DEVIATIONS, loadOpenApi, successSchema } from "../support/openapi.js";
import type { OpenApiDocument, Schema } from "../support/openapi.js";

/**
 * The rule every schema of the client follows, derived from CircleCI's own OpenAPI documents rather than written
 * down once: a field may be required (and refuse null) only where the document marks it both required and not
 * nullable (`nullable` / `x-nullable`), and the real API keeps to that (`KNOWN_DEVIATIONS` lists where it does not).
 * Every other field, documented or only known to our schema, must accept null and absence: a record missing it
 * is still read. The rule is for what the gateway reads; the answers to its writes are not here, since one that
 * lacks what says what CircleCI did (the new pipeline's id) is an unknown outcome, not a record to read anyway.
 */
const v2 = loadOpenApi("test/fixtures/openapi-v2.json");
const v11 = loadOpenApi("test/fixtures/openapi-v1.1.json");

interface Resource {
  name: string;
  document: OpenApiDocument;
  operationId: string;
  /** JSON pointer, within the operation's 200 schema, to the object the zod schema reads. */
  pointer: string;
  schema: z.ZodType;
}

const ITEM = "/properties/items/items";
const RESOURCES: readonly Resource[] = [
  { name: "user", document: v2, operationId: "getCurrentUser", pointer: "", schema: userSchema },
  { name: "project", document: v2, operationId: "getProjectBySlug", pointer: "", schema: projectSchema },
  { name: "pipeline", document: v2, operationId: "getPipelineById", pointer: "", schema: pipelineSchema },
  { name: "pipeline list item", document: v2, operationId: "listPipelinesForProject", pointer: ITEM, schema: pipelineSchema },
  { name: "organization pipeline feed item", document: v2, operationId: "listPipelines", pointer: ITEM, schema: pipelineSchema },
  { name: "page of a list", document: v2, operationId: "listPipelinesForProject", pointer: "", schema: pageEnvelopeSchema },
  { name: "workflow", document: v2, operationId: "getWorkflowById", pointer: "", schema: workflowSchema },
  { name: "workflow list item", document: v2, operationId: "listWorkflowsByPipelineId", pointer: ITEM, schema: workflowSchema },
  { name: "workflow job", document: v2, operationId: "listWorkflowJobs", pointer: ITEM, schema: workflowJobSchema },
  { name: "job details", document: v2, operationId: "getJobDetails", pointer: "", schema: jobDetailsSchema },
  { name: "context", document: v2, operationId: "listContexts", pointer: ITEM, schema: contextSchema },
  { name: "context variable", document: v2, operationId: "listEnvironmentVariablesFromContext", pointer: ITEM, schema: contextEnvVarSchema },
  { name: "test result", document: v2, operationId: "getTests", pointer: ITEM, schema: testResultSchema },
  { name: "v1.1 build", document: v11, operationId: "getJobDetails", pointer: "", schema: jobStepsSchema },
];

/** A field path; `[]` steps into an array's first item. */
type Path = readonly string[];

interface DocumentedField {
  path: Path;
  /** Required by the document and not nullable: the schema may insist on it. */
  strict: boolean;
}

function resolve(node: unknown, document: OpenApiDocument): Schema {
  let schema = node as Schema;
  for (let depth = 0; typeof schema.$ref === "string"; depth++) {
    if (depth > 10) throw new Error(`$ref chain too deep at ${String(schema.$ref)}`);
    const name = schema.$ref.replace(/^#\/components\/schemas\//, "");
    const target = document.components?.schemas?.[name];
    if (target === undefined) throw new Error(`unresolvable $ref ${schema.$ref}`);
    schema = target;
  }
  for (const combinator of ["allOf", "anyOf", "oneOf"]) {
    if (combinator in schema) throw new Error(`${combinator} is not handled here: extend the walker before trusting it`);
  }
  return schema;
}

function isNullable(schema: Schema): boolean {
  return schema.nullable === true || schema["x-nullable"] === true;
}

/** Every property the document describes under `node`, with whether it is strict there. */
function documentedFields(node: Schema, document: OpenApiDocument, prefix: Path = []): DocumentedField[] {
  const schema = resolve(node, document);
  if (schema.type === "array" && schema.items !== undefined) return documentedFields(schema.items as Schema, document, [...prefix, "[]"]);
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {}).flatMap(([name, property]) => {
    const resolved = resolve(property, document);
    const path = [...prefix, name];
    const strict = required.has(name) && !isNullable(property) && !isNullable(resolved);
    return [{ path, strict }, ...documentedFields(resolved, document, path)];
  });
}

/** A document with every documented field present, each with a value of its documented type. */
function maximalSample(node: Schema, document: OpenApiDocument): unknown {
  const schema = resolve(node, document);
  if (Array.isArray(schema.enum)) return schema.enum.find((value) => value !== null);
  switch (schema.type) {
    case "object":
      return Object.fromEntries(
        Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {}).map(([name, property]) => [name, maximalSample(property, document)]),
      );
    case "array":
      return [maximalSample(schema.items as Schema, document)];
    case "string":
      if (schema.format === "uuid") return "5034460f-c7c4-4c43-9457-de07e2029e7b";
      return schema.format === "date-time" ? "2024-03-11T14:56:45.517Z" : "text";
    case "integer":
      return 7;
    case "number":
      return 7.5;
    case "boolean":
      return true;
    default:
      throw new Error(`no sample for a schema of type ${String(schema.type)}`);
  }
}

function at(schema: Schema, pointer: string, document: OpenApiDocument): Schema {
  return pointer
    .split("/")
    .slice(1)
    .reduce((node, step) => (resolve(node, document)[step] as Schema), schema);
}

/** Every property path of a zod schema (as JSON Schema of its input), nullable and optional wrappers seen through. */
function schemaFields(node: Record<string, unknown>, prefix: Path = []): Path[] {
  const branches = Array.isArray(node.anyOf) ? (node.anyOf as Record<string, unknown>[]) : [node];
  return branches.flatMap((branch) => {
    if (branch.type === "array" && typeof branch.items === "object") return schemaFields(branch.items as Record<string, unknown>, [...prefix, "[]"]);
    return Object.entries((branch.properties as Record<string, Record<string, unknown>> | undefined) ?? {}).flatMap(([name, property]) => [
      [...prefix, name],
      ...schemaFields(property, [...prefix, name]),
    ]);
  });
}

const ABSENT = Symbol("absent");

/** A copy of `document` with the field at `path` set to `value` (or removed), creating the objects on the way. */
function withField(document: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(document) as Record<string, unknown>;
  let cursor: Record<string, unknown> | unknown[] = copy;
  path.slice(0, -1).forEach((step, index) => {
    const container = cursor as Record<string, unknown>;
    const key = step === "[]" ? "0" : step;
    if (typeof container[key] !== "object" || container[key] === null) container[key] = path[index + 1] === "[]" ? [] : {};
    cursor = container[key] as Record<string, unknown>;
  });
  const last = path.at(-1) as string;
  if (value === ABSENT) delete (cursor as Record<string, unknown>)[last];
  else (cursor as Record<string, unknown>)[last] = value;
  return copy;
}

function deviationsOf(resource: Resource): Set<string> {
  if (resource.document !== v2) return new Set();
  return new Set(
    KNOWN_DEVIATIONS.filter((deviation) => deviation.relax === "optional-nullable" && deviation.at[resource.operationId] === resource.pointer).map((deviation) =>
      deviation.field.join("."),
    ),
  );
}

interface Derived {
  sample: unknown;
  /** Paths the schema must read when null or absent. */
  lenient: Path[];
  strict: Path[];
}

function derive(resource: Resource): Derived {
  const root = at(successSchema(resource.document, resource.operationId), resource.pointer, resource.document);
  const documented = documentedFields(root, resource.document);
  const deviations = deviationsOf(resource);
  const strict = documented.filter((field) => field.strict && !deviations.has(field.path.join("."))).map((field) => field.path);
  const strictKeys = new Set(strict.map((path) => path.join(".")));
  const ours = schemaFields(z.toJSONSchema(resource.schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>);
  const all = new Map([...documented.map((field) => field.path), ...ours].map((path) => [path.join("."), path]));
  const lenient = [...all.values()].filter((path) => !strictKeys.has(path.join(".")) && path.at(-1) !== "[]");
  return { sample: maximalSample(root, resource.document), lenient, strict };
}

/** Where the schema refuses a record the rule says it must read, as `path (null): zod's issue`. */
function violations(schema: z.ZodType, derived: Derived): string[] {
  return derived.lenient.flatMap((path) =>
    (
      [
        ["null", null],
        ["absent", ABSENT],
      ] as const
    ).flatMap(([label, value]) => {
      const parsed = schema.safeParse(withField(derived.sample, path, value));
      return parsed.success ? [] : [`${path.join(".")} (${label}): ${parsed.error.issues.map((issue) => issue.message).join("; ")}`];
    }),
  );
}

describe("the schemas against the OpenAPI documents", () => {
  it.each(RESOURCES)("$name: reads a document with every documented field", ({ schema, ...resource }) => {
    const parsed = schema.safeParse(derive({ schema, ...resource }).sample);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it.each(RESOURCES)("$name: accepts null and absent for every field the document does not make required and non-null", (resource) => {
    const derived = derive(resource);
    expect(derived.lenient.length + derived.strict.length).toBeGreaterThan(0);
    expect(violations(resource.schema, derived)).toEqual([]);
  });

  it("derives the strict fields from the documents: required and not nullable, less the known deviations", () => {
    const strictOf = (name: string) => derive(RESOURCES.find((resource) => resource.name === name) as Resource).strict.map((path) => path.join("."));
    expect(strictOf("pipeline")).toEqual(
      expect.arrayContaining(["id", "number", "project_slug", "created_at", "state", "trigger.type", "trigger.actor.login", "vcs.target_repository_url"]),
    );
    // Nullable in the document, or broken by the real API: never strict.
    expect(strictOf("pipeline")).not.toEqual(expect.arrayContaining(["vcs.revision"]));
    expect(strictOf("pipeline")).not.toContain("vcs.provider_name");
    expect(strictOf("workflow")).not.toContain("stopped_at");
    expect(strictOf("workflow job")).not.toContain("started_at");
    expect(strictOf("job details")).not.toContain("duration");
    // The v1.1 document marks nothing required.
    expect(strictOf("v1.1 build")).toEqual([]);
    expect(derive(RESOURCES.find((resource) => resource.name === "v1.1 build") as Resource).lenient.map((path) => path.join("."))).toEqual(
      expect.arrayContaining(["build_num", "steps", "steps.[].name", "steps.[].actions", "steps.[].actions.[].index", "steps.[].actions.[].step"]),
    );
  });

  it("would catch a schema stricter than the rule allows", () => {
    const workflow = RESOURCES.find((resource) => resource.name === "workflow") as Resource;
    const tooStrict = workflowSchema.extend({ canceled_by: z.guid(), auto_rerun_number: z.int().optional() });
    expect(violations(tooStrict, derive({ ...workflow, schema: tooStrict }))).toEqual([
      expect.stringMatching(/^canceled_by \(null\): /),
      expect.stringMatching(/^canceled_by \(absent\): /),
      expect.stringMatching(/^auto_rerun_number \(null\): /),
    ]);
  });
});
