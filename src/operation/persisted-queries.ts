import { createHash } from "node:crypto";
import { GraphQLError } from "graphql";
import { LRUCache } from "lru-cache";
import { z } from "zod";
import { PERSISTED_QUERY_NOT_FOUND } from "./error-codes.js";
import type { OperationRequest } from "./request.js";
import { badRequest } from "./request.js";

/** Query text kept for automatic persisted queries, per endpoint: plenty for every dashboard's queries. */
export const DEFAULT_PERSISTED_QUERY_CACHE_BYTES = 8 * 1024 * 1024;

const persistedQuerySchema = z.object({ version: z.number(), sha256Hash: z.string() });

/** The text a request runs, and the hash to store it under once it has passed every check. */
export type ResolvedSource = { ok: true; source: string; register: string | undefined } | { ok: false; error: GraphQLError; unknownHash: boolean };

/**
 * Automatic persisted queries (Apollo's APQ protocol): a client sends a query's sha256 alone and, when this
 * instance does not know it, sends the hash and the text once. Bounded by the text it holds, least recently used
 * first, since anyone can register queries; a client whose hash was dropped is asked for the text again.
 */
export class PersistedQueries {
  readonly #texts: LRUCache<string, string>;

  constructor(maxBytes = DEFAULT_PERSISTED_QUERY_CACHE_BYTES) {
    this.#texts = new LRUCache<string, string>({ maxSize: maxBytes, sizeCalculation: (text, hash) => text.length + hash.length });
  }

  /** The query text of `request`: its own, or the one its `persistedQuery` hash names. */
  resolve(request: OperationRequest): ResolvedSource {
    const extension = request.extensions?.persistedQuery;
    if (extension === undefined) {
      if (request.query === undefined || request.query === "") {
        return refused(badRequest("GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension."));
      }
      return { ok: true, source: request.query, register: undefined };
    }
    const parsed = persistedQuerySchema.safeParse(extension);
    if (!parsed.success) return refused(badRequest("`extensions.persistedQuery` must be {\"version\": 1, \"sha256Hash\": \"<hex>\"}"));
    if (parsed.data.version !== 1) return refused(badRequest("Unsupported persisted query version"));
    const hash = parsed.data.sha256Hash;
    // graphql-ws requires a `query` string: an empty one means "by hash alone" there.
    if (request.query === undefined || request.query === "") {
      const known = this.#texts.get(hash);
      if (known === undefined) {
        return { ok: false, error: new GraphQLError("PersistedQueryNotFound", { extensions: { code: PERSISTED_QUERY_NOT_FOUND } }), unknownHash: true };
      }
      return { ok: true, source: known, register: undefined };
    }
    if (sha256(request.query) !== hash) return refused(badRequest("provided sha does not match query"));
    return { ok: true, source: request.query, register: hash };
  }

  /** Keeps `source` under `hash`: called only for a query that passed every check, so no refused text is kept. */
  register(hash: string, source: string): void {
    this.#texts.set(hash, source);
  }
}

function refused(error: GraphQLError): ResolvedSource {
  return { ok: false, error, unknownHash: false };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
