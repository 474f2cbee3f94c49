import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

/**
 * Validates JSON values against a success response schema (200 unless asked for another) of an
 * operation in an OpenAPI 3.0 document, converted to JSON Schema: `nullable` / `x-nullable` allow null, `#/components/schemas`
 * refs are inlined, `example` and `x-*` are dropped; `required`, `enum` and `format` are kept.
 */

export type Schema = Record<string, unknown>;

export interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
  components?: { schemas?: Record<string, Schema> };
}

/** Keywords OpenAPI adds to JSON Schema that carry no constraint, or that the conversion handles itself. */
const OPENAPI_ONLY = new Set(["example", "examples", "xml", "externalDocs", "discriminator", "deprecated", "nullable"]);

/** A documented departure of the real API from its own spec. */
export interface KnownDeviation {
  /** Operation id => JSON pointer (within its 200 schema) to the object the field belongs to. */
  at: Record<string, string>;
  /** Property path from that object, e.g. `["trigger", "type"]`. */
  field: string[];
  relax: "optional-nullable" | "open-enum";
  why: string;
}

const PIPELINE = { listPipelinesForProject: "/properties/items/items", listPipelines: "/properties/items/items", getPipelineByNumber: "", getPipelineById: "" };
const WORKFLOW_JOB = { listWorkflowJobs: "/properties/items/items" };
const JOB_DETAILS = { getJobDetails: "" };

/**
 * Where the real API departs from its own spec, per API.md. Only these are relaxed; everything else
 * in the spec is enforced on the simulator's answers. API.md §7.8 also calls pipeline `errors[].type`
 * and job statuses open, but the spec's enums already list every value the simulator sends
 * (`terminated-unknown` included), so they stay enforced and catch a misspelt status.
 */
export const KNOWN_DEVIATIONS: readonly KnownDeviation[] = [
  {
    at: PIPELINE,
    field: ["trigger", "type"],
    relax: "open-enum",
    why: 'API.md §4.3 and §7.8: values outside the enum occur ("Decoupled Ingestion System", "unknown", "gitlab").',
  },
  {
    at: PIPELINE,
    field: ["vcs", "provider_name"],
    relax: "optional-nullable",
    why: "Required and non-null in the spec, but null on real pipelines.",
  },
  {
    at: WORKFLOW_JOB,
    field: ["started_at"],
    relax: "optional-nullable",
    why: "API.md §4.5, §5 and §7.6: required by the spec, but null or absent for jobs that have not started.",
  },
  {
    at: JOB_DETAILS,
    field: ["started_at"],
    relax: "optional-nullable",
    why: "API.md §4.6: can be missing or null before the job starts.",
  },
];

export interface ResponseValidator {
  validate(value: unknown): ErrorObject[];
}

export function loadOpenApi(path: string): OpenApiDocument {
  return JSON.parse(readFileSync(path, "utf8")) as OpenApiDocument;
}

/** A validator for `operationId`'s `status` (default 200) `application/json` response, with the known deviations relaxed. */
export function responseValidator(document: OpenApiDocument, operationId: string, deviations = KNOWN_DEVIATIONS, status = "200"): ResponseValidator {
  const openApiSchema = successSchema(document, operationId, status);
  const schema = toJsonSchema(openApiSchema, document.components?.schemas ?? {}, new Set());
  for (const deviation of deviations) {
    const pointer = deviation.at[operationId];
    if (pointer !== undefined) relax(schema, pointer, deviation);
  }
  const check: ValidateFunction = ajv().compile(schema);
  return {
    validate(value) {
      return check(value) ? [] : (check.errors ?? []);
    },
  };
}

/** The `status` (default 200) `application/json` response schema of `operationId`, as the document writes it (refs not inlined). */
export function successSchema(document: OpenApiDocument, operationId: string, status = "200"): Schema {
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations)) {
      if (operation.operationId !== operationId) continue;
      const schema = operation.responses?.[status]?.content?.["application/json"]?.schema;
      if (!schema) throw new Error(`${operationId} has no ${status} application/json schema`);
      return schema;
    }
  }
  throw new Error(`no operation ${operationId}`);
}

/** OpenAPI 3.0 schema object => JSON Schema (draft-07), refs inlined. */
function toJsonSchema(node: unknown, components: Record<string, Schema>, resolving: ReadonlySet<string>): Schema {
  if (typeof node !== "object" || node === null) throw new Error(`not a schema: ${JSON.stringify(node)}`);
  const source = node as Schema;
  if (typeof source.$ref === "string") {
    const name = source.$ref.replace(/^#\/components\/schemas\//, "");
    const target = components[name];
    if (!target || name === source.$ref) throw new Error(`unresolvable $ref ${source.$ref}`);
    if (resolving.has(name)) throw new Error(`recursive $ref ${source.$ref} is not supported`);
    return toJsonSchema(target, components, new Set([...resolving, name]));
  }
  const schema: Schema = {};
  for (const [key, value] of Object.entries(source)) {
    if (OPENAPI_ONLY.has(key) || key.startsWith("x-")) continue;
    schema[key] = convertKeyword(key, value, components, resolving);
  }
  return source.nullable === true || source["x-nullable"] === true ? allowNull(schema) : schema;
}

function convertKeyword(key: string, value: unknown, components: Record<string, Schema>, resolving: ReadonlySet<string>): unknown {
  const convert = (inner: unknown) => toJsonSchema(inner, components, resolving);
  switch (key) {
    case "properties":
      return Object.fromEntries(Object.entries(value as Schema).map(([name, inner]) => [name, convert(inner)]));
    case "items":
    case "not":
      return convert(value);
    case "additionalProperties":
      return typeof value === "boolean" ? value : convert(value);
    case "allOf":
    case "anyOf":
    case "oneOf":
      return (value as unknown[]).map(convert);
    default:
      return value;
  }
}

function allowNull(schema: Schema): Schema {
  if (typeof schema.type !== "string") return { anyOf: [schema, { type: "null" }] };
  const nullable: Schema = { ...schema, type: [schema.type, "null"] };
  if (Array.isArray(schema.enum)) nullable.enum = [...(schema.enum as unknown[]), null];
  return nullable;
}

function relax(schema: Schema, pointer: string, deviation: KnownDeviation): void {
  let parent = resolvePointer(schema, pointer);
  const path = [...deviation.field];
  const name = path.pop();
  for (const step of path) parent = child(child(parent, "properties"), step);
  if (name === undefined) throw new Error(`empty field path in deviation: ${deviation.why}`);
  const properties = child(parent, "properties");
  const property = child(properties, name);
  if (deviation.relax === "open-enum") {
    if (!Array.isArray(property.enum)) throw new Error(`${name} has no enum to open (${deviation.why})`);
    delete property.enum;
  } else {
    if (Array.isArray(parent.required)) parent.required = parent.required.filter((field) => field !== name);
    properties[name] = allowNull(property);
  }
}

function resolvePointer(schema: Schema, pointer: string): Schema {
  return pointer
    .split("/")
    .slice(1)
    .reduce((node, step) => child(node, step), schema);
}

function child(node: Schema, key: string): Schema {
  const value = node[key];
  if (typeof value !== "object" || value === null) throw new Error(`schema has no "${key}"`);
  return value as Schema;
}

function ajv(): Ajv {
  const instance = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  // ajv-formats is CommonJS: under NodeNext the default import is its module object.
  addFormatsModule.default(instance);
  return instance;
}
