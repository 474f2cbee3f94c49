import type { ErrorRequestHandler } from "express";
import type { Logger } from "../log.js";
import { bodyTooLargeMessage } from "./http-body.js";
import { sendError } from "./http-responses.js";

/** body-parser's own fields on the errors that are the client's. */
interface BodyParserError {
  status: number;
  type?: string;
  message: string;
  length?: number;
  limit?: number;
}

/**
 * Answers a request an express route's body parser refused (malformed JSON, a body over the size limit) as
 * GraphQL over HTTP does: a JSON `errors` list with the status body-parser chose, a message that says what to
 * fix and an `extensions.code`. Express's own handler would answer HTML with a stack trace. Anything else is ours:
 * logged, and answered 500 without details.
 */
export function requestErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    if (!isClientError(error)) {
      logger.error({ err: error }, "request failed");
      sendError(res, 500, "internal server error", "INTERNAL_SERVER_ERROR");
      return;
    }
    const { message, code } = describe(error);
    sendError(res, error.status, message, code);
  };
}

function describe(error: BodyParserError): { message: string; code: string } {
  switch (error.type) {
    case "entity.too.large":
      return { message: bodyTooLargeMessage(error.length, error.limit ?? 0, undefined), code: "PAYLOAD_TOO_LARGE" };
    case "entity.parse.failed":
      return { message: `malformed JSON body: ${error.message}`, code: "BAD_REQUEST" };
    default:
      return { message: error.message, code: error.status === 415 ? "UNSUPPORTED_MEDIA_TYPE" : "BAD_REQUEST" };
  }
}

/** body-parser marks the errors that are the client's with `expose` and a 4xx `status`. */
function isClientError(error: unknown): error is BodyParserError {
  if (typeof error !== "object" || error === null) return false;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return expose === true && typeof status === "number" && status >= 400 && status < 500;
}
