import type { ErrorRequestHandler } from "express";
import type { Logger } from "../log.js";

/**
 * Answers a request the HTTP layer refused before GraphQL saw it (malformed JSON, a body over the size limit) as
 * GraphQL over HTTP does: a JSON `errors` list with the status body-parser chose. Express's own handler would answer
 * HTML with a stack trace. Anything else is ours: logged, and answered 500 without details.
 */
export function requestErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = clientErrorStatus(error);
    if (status === undefined) {
      logger.error({ err: error }, "request failed");
      res.status(500).json({ errors: [{ message: "internal server error" }] });
      return;
    }
    res.status(status).json({ errors: [{ message: (error as Error).message }] });
  };
}

/** body-parser marks the errors that are the client's with `expose` and a 4xx `status`. */
function clientErrorStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return expose === true && typeof status === "number" && status >= 400 && status < 500 ? status : undefined;
}
