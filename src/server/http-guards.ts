import type { RequestHandler } from "express";
import type { GraphQLError } from "graphql";
import { checkBatch, checkSource } from "./limits/index.js";
import type { QueryLimits } from "./limits/index.js";

/**
 * 415 for a POST whose body is not declared JSON. Without it such a body is never parsed and Apollo answers a
 * vague 400 ("POST body missing, invalid Content-Type, ...") or a CSRF refusal; this says what to send instead.
 */
export function requireJsonPost(): RequestHandler {
  return (request, response, next) => {
    const contentType = request.get("content-type");
    if (request.method !== "POST" || mediaType(contentType) === "application/json") {
      next();
      return;
    }
    const got = contentType === undefined ? "no Content-Type" : `Content-Type ${JSON.stringify(contentType.slice(0, 100))}`;
    response.status(415).json({
      errors: [
        {
          message: `a POST to ${request.baseUrl} needs a JSON body with Content-Type: application/json (got ${got})`,
          extensions: { code: "UNSUPPORTED_MEDIA_TYPE" },
        },
      ],
    });
  };
}

/**
 * 400 before Apollo for a batched request (a JSON array) of more than `maxBatch` operations, or for a query
 * document of more than `maxTokens` tokens (in a POST body, each operation of a batch, or a GET's `query`), so
 * neither is parsed. Apollo has no batch bound, and it answers 500 to an error thrown before it parses; the
 * other limits are `queryLimitsPlugin`'s. A persisted query sent by hash alone has no text here: it was checked
 * when it was registered, and only a query that ran is stored.
 */
export function limitRequestSize(limits: QueryLimits): RequestHandler {
  return (request, response, next) => {
    const operations: unknown[] = Array.isArray(request.body) ? request.body : [request.method === "GET" ? request.query : request.body];
    const error = checkBatch(operations.length, limits) ?? firstTooLong(operations, limits);
    if (error === undefined) {
      next();
      return;
    }
    response.status(400).json({ errors: [error.toJSON()] });
  };
}

function firstTooLong(operations: unknown[], limits: QueryLimits): GraphQLError | undefined {
  for (const operation of operations) {
    const query = typeof operation === "object" && operation !== null ? (operation as { query?: unknown }).query : undefined;
    const error = typeof query === "string" ? checkSource(query, limits) : undefined;
    if (error !== undefined) return error;
  }
  return undefined;
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(";")[0]?.trim().toLowerCase();
}
