import type { RequestHandler } from "express";
import { checkBatch } from "./limits/index.js";
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

/** 400 for a batched request (a JSON array) with more operations than `maxBatch`: refused before any of them runs. */
export function limitBatchSize(limits: QueryLimits): RequestHandler {
  return (request, response, next) => {
    const error = Array.isArray(request.body) ? checkBatch(request.body.length, limits) : undefined;
    if (error === undefined) {
      next();
      return;
    }
    response.status(400).json({ errors: [error.toJSON()] });
  };
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(";")[0]?.trim().toLowerCase();
}
