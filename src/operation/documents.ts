import { GraphQLError, parse, specifiedRules, validate } from "graphql";
import type { DocumentNode, GraphQLSchema, ValidationRule } from "graphql";
import { LRUCache } from "lru-cache";

/** A parsed document and what validating it against the pipeline's schema found (nothing: it may run). */
export interface CheckedDocument {
  readonly document: DocumentNode;
  readonly validationErrors: readonly GraphQLError[];
}

export interface DocumentCacheOptions {
  /** Rules beyond graphql-js's own (e.g. refusing introspection). */
  rules?: readonly ValidationRule[];
  /** Documents kept. Default 500. */
  maxEntries?: number;
  /** Query text kept, in characters (a document's AST is some ten times its text). Default 2 MiB. */
  maxSourceLength?: number;
}

export const DEFAULT_DOCUMENT_CACHE_ENTRIES = 500;
export const DEFAULT_DOCUMENT_CACHE_SOURCE_LENGTH = 2 * 1024 * 1024;

/**
 * Documents parsed and validated once per query text: dashboards poll the same few queries, and parsing plus
 * validating one is a large share of a small answer's work. Bounded, least recently used first, since anyone can
 * send new texts; a syntax error is not kept (it costs little to find again).
 */
export class DocumentCache {
  readonly #schema: GraphQLSchema;
  readonly #rules: readonly ValidationRule[];
  readonly #entries: LRUCache<string, CheckedDocument>;

  constructor(schema: GraphQLSchema, options: DocumentCacheOptions = {}) {
    this.#schema = schema;
    this.#rules = [...specifiedRules, ...(options.rules ?? [])];
    this.#entries = new LRUCache<string, CheckedDocument>({
      max: options.maxEntries ?? DEFAULT_DOCUMENT_CACHE_ENTRIES,
      maxSize: options.maxSourceLength ?? DEFAULT_DOCUMENT_CACHE_SOURCE_LENGTH,
      sizeCalculation: (_document, source) => Math.max(1, source.length),
    });
  }

  /** The checked document of `source`, or its syntax error. */
  get(source: string): CheckedDocument | GraphQLError {
    const known = this.#entries.get(source);
    if (known !== undefined) return known;
    let document: DocumentNode;
    try {
      document = parse(source);
    } catch (error) {
      if (error instanceof GraphQLError) return error;
      throw error;
    }
    const checked = { document, validationErrors: validate(this.#schema, document, this.#rules) };
    this.#entries.set(source, checked);
    return checked;
  }
}
