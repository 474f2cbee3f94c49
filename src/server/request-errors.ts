import type { ErrorRequestHandler } from "express";
import type { Logger } from "../log.js";

export interface RequestErrorOptions {
  /** The setting that raises the body size limit, named in a 413; default: none named. */
  bodyLimitSetting?: string;
}

/** body-parser's own fields on the errors that are the client's. */
interface BodyParserError {
  status: number;
  type?: string;
  message: string;
  length?: number;
  limit?: number;
}

/**
 * Answers a request the HTTP layer refused before GraphQL saw it (malformed JSON, a body over the size limit) as
 * GraphQL over HTTP does: a JSON `errors` list with the status body-parser chose, a message that says what to
 * fix and an `extensions.code`. Express's own handler would answer HTML with a stack trace. Anything else is ours:
 * logged, and answered 500 without details.
 */
export function requestErrorHandler(logger: Logger, options: RequestErrorOptions = {}): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    if (!isClientError(error)) {
      logger.error({ err: error }, "request failed");
      res.status(500).json({ errors: [{ message: "internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
      return;
    }
    res.status(error.status).json({ errors: [describe(error, options)] });
  };
}

function describe(error: BodyParserError, options: RequestErrorOptions): { message: string; extensions: { code: string } } {
  switch (error.type) {
    case "entity.too.large": {
      const size = error.length === undefined ? "request body" : `request body of ${error.length} bytes`;
      const setting = options.bodyLimitSetting === undefined ? "" : ` (${options.bodyLimitSetting})`;
      return { message: `${size} exceeds the maximum of ${error.limit} bytes${setting}`, extensions: { code: "PAYLOAD_TOO_LARGE" } };
    }
    case "entity.parse.failed":
      return { message: `malformed JSON body: ${error.message}`, extensions: { code: "BAD_REQUEST" } };
    default:
      return { message: error.message, extensions: { code: error.status === 415 ? "UNSUPPORTED_MEDIA_TYPE" : "BAD_REQUEST" } };
  }
}

/** body-parser marks the errors that are the client's with `expose` and a 4xx `status`. */
function isClientError(error: unknown): error is BodyParserError {
  if (typeof error !== "object" || error === null) return false;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return expose === true && typeof status === "number" && status >= 400 && status < 500;
}
