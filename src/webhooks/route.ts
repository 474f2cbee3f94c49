import express, { Router } from "express";
import { silentLogger } from "../log.js";
import type { Logger } from "../log.js";
import { requestErrorHandler } from "../server/request-errors.js";
import type { WebhookWriter } from "../writer/index.js";
import { ingestWebhookEvent } from "./ingest.js";
import { parseWebhookPayload } from "./schemas.js";
import { isValidSignature, SIGNATURE_HEADER } from "./signature.js";

export const WEBHOOK_PATH = "/webhooks/circleci";

export interface WebhookRouterOptions {
  /** The webhook's secret token in CircleCI (`CIRCLECI_WEBHOOK_SECRET`): every delivery must be signed with it. */
  secret: string;
  /** Stores what a delivery tells, and announces it. */
  writer: WebhookWriter;
  /** Largest body read; a larger one answers 413 unread. Default 1 MiB (CircleCI's payloads are a few KB). */
  maxBodyBytes?: number;
  logger?: Logger;
}

/**
 * `POST /webhooks/circleci`: CircleCI's outbound webhooks. Answers 401 unless the `circleci-signature` matches the
 * raw body, 413 over the size limit, 400 for a payload that is not a CircleCI event, 202 for an event type the
 * gateway does not apply (`ping`), and 200 once a `workflow-completed` or `job-completed` is in the store. A store
 * failure answers 500, so CircleCI delivers again later.
 * The HMAC is this route's auth: it needs no API key, and it parses its own body (the signature covers the bytes).
 */
export function circleciWebhookRouter(options: WebhookRouterOptions): Router {
  const logger = (options.logger ?? silentLogger).child({ component: "webhooks" });
  const router = Router();
  router.post(WEBHOOK_PATH, express.raw({ type: "*/*", limit: options.maxBodyBytes ?? 1024 * 1024 }), async (req, res) => {
    // body-parser leaves the body unset when the request has none.
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!isValidSignature(rawBody, req.get(SIGNATURE_HEADER), options.secret)) {
      logger.warn({ ip: req.ip }, "webhook refused: missing or wrong signature");
      res.status(401).json({ errors: [{ message: `missing or wrong ${SIGNATURE_HEADER}` }] });
      return;
    }
    const payload = parseWebhookPayload(rawBody);
    switch (payload.kind) {
      case "invalid":
        logger.warn({ reason: payload.message }, "webhook refused: not a CircleCI event");
        res.status(400).json({ errors: [{ message: payload.message }] });
        return;
      case "ignore":
        res.status(202).json({ ignored: payload.type });
        return;
      case "apply": {
        const { event } = payload;
        const changes = await ingestWebhookEvent(event, options.writer);
        logger.info({ eventId: event.id, eventType: event.type, changes: changes.length }, "webhook applied");
        res.status(200).json({ changes: changes.length });
      }
    }
  });
  router.use(WEBHOOK_PATH, requestErrorHandler(logger));
  return router;
}
