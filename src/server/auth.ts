import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "../log.js";

/** Why a request was refused: it carried no bearer key, or one that matches none of the configured keys. */
export type AuthFailure = "missing" | "invalid";

export type AuthOutcome = { ok: true } | { ok: false; failure: AuthFailure };

/** Compares a presented key with the configured ones without revealing, by timing, which part or which key differs. */
export type ApiKeyMatcher = (presented: string) => boolean;

/** The RFC 6750 challenge every refusal carries; an invalid key also says so, as that RFC asks. */
const WWW_AUTHENTICATE: Record<AuthFailure, string> = {
  missing: 'Bearer realm="circleci-gateway"',
  invalid: 'Bearer realm="circleci-gateway", error="invalid_token"',
};

/** What a refused client reads; never the key it sent. */
const AUTH_FAILURE_MESSAGES: Record<AuthFailure, string> = {
  missing: "the Authorization header is missing: send `Authorization: Bearer <key>` with one of the gateway's API keys (GATEWAY_API_KEYS)",
  invalid: "the API key in the Authorization header is not valid",
};

/** The key of an `Authorization: Bearer <key>` value (the scheme in any case); undefined for any other value. */
export function parseBearerToken(header: string | undefined): string | undefined {
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
  return match?.[1];
}

/**
 * Digests first, so every comparison is between 32-byte buffers: `timingSafeEqual` needs equal lengths, and
 * comparing lengths first would leak them. Every key is compared, so the time does not tell which one matched.
 */
export function createApiKeyMatcher(keys: readonly string[]): ApiKeyMatcher {
  const digests = keys.map(sha256);
  return (presented) => {
    const candidate = sha256(presented);
    return digests.reduce((matched, digest) => timingSafeEqual(candidate, digest) || matched, false);
  };
}

/** The outcome for one `Authorization` header value. */
export function authenticate(header: string | undefined, matches: ApiKeyMatcher): AuthOutcome {
  const key = parseBearerToken(header);
  if (key === undefined) return { ok: false, failure: "missing" };
  return matches(key) ? { ok: true } : { ok: false, failure: "invalid" };
}

/** Express middleware: 401 with a JSON GraphQL-style error and a `WWW-Authenticate` challenge unless the key matches. */
export function requireApiKey(matches: ApiKeyMatcher, logger: Logger): RequestHandler {
  return (request, response, next) => {
    const outcome = authenticate(request.headers.authorization, matches);
    if (outcome.ok) {
      next();
      return;
    }
    logger.debug({ path: request.path, failure: outcome.failure }, "HTTP request refused: no valid API key");
    response
      .status(401)
      .set("WWW-Authenticate", WWW_AUTHENTICATE[outcome.failure])
      .json({ errors: [{ message: AUTH_FAILURE_MESSAGES[outcome.failure], extensions: { code: "UNAUTHENTICATED" } }] });
  };
}

/**
 * The `Authorization` value a WebSocket client presents: from the `connection_init` payload (browsers cannot set
 * headers on a WebSocket), else from the upgrade request's header.
 */
export function webSocketAuthorization(connectionParams: Readonly<Record<string, unknown>> | undefined, upgradeHeader: string | undefined): string | undefined {
  const fromPayload = connectionParams?.Authorization ?? connectionParams?.authorization;
  return typeof fromPayload === "string" ? fromPayload : upgradeHeader;
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
