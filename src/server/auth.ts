import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import type { Logger } from "../log.js";
import type { Caller } from "../operation/index.js";
import { sendError } from "./http-responses.js";

/** Why a request was refused: it carried no bearer key, or one that matches none of the configured keys. */
export type AuthFailure = "missing" | "invalid";

export type AuthOutcome = { ok: true; caller: Caller } | { ok: false; failure: AuthFailure };

/** The caller of a gateway without API keys: everyone is the same caller. */
export const PUBLIC_CALLER: Caller = { scope: "public" };

/**
 * Finds which configured key was presented (its index), without revealing, by timing, which part or which key
 * differs; undefined when none matches.
 */
export type ApiKeyMatcher = (presented: string) => number | undefined;

/** Decides who sent a request from its `Authorization` value. */
export type Authenticator = (authorization: string | undefined) => AuthOutcome;

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
    return digests.reduce<number | undefined>((matched, digest, index) => (timingSafeEqual(candidate, digest) ? index : matched), undefined);
  };
}

/**
 * The outcome for one `Authorization` header value. Each key is its own scope (named by its position, never by the
 * key): today every key sees the same data, and a rule that one day tells them apart cannot leak a cached answer.
 */
export function authenticate(header: string | undefined, matches: ApiKeyMatcher): AuthOutcome {
  const key = parseBearerToken(header);
  if (key === undefined) return { ok: false, failure: "missing" };
  const index = matches(key);
  return index === undefined ? { ok: false, failure: "invalid" } : { ok: true, caller: { scope: `key:${index}` } };
}

/** With keys: every caller must present one. Without: everyone is `PUBLIC_CALLER`. */
export function createAuthenticator(keys: readonly string[]): Authenticator {
  if (keys.length === 0) return () => ({ ok: true, caller: PUBLIC_CALLER });
  const matches = createApiKeyMatcher(keys);
  return (header) => authenticate(header, matches);
}

/** 401 with a JSON GraphQL-style error and a `WWW-Authenticate` challenge; logged without the key. */
export function refuseUnauthenticated(request: IncomingMessage, response: ServerResponse, failure: AuthFailure, logger: Logger): void {
  logger.debug({ path: request.url?.split("?")[0], failure }, "HTTP request refused: no valid API key");
  sendError(response, 401, AUTH_FAILURE_MESSAGES[failure], "UNAUTHENTICATED", { "www-authenticate": WWW_AUTHENTICATE[failure] });
}

/** Express middleware for the routes beside GraphQL that need a key (`/metrics`, added pages). */
export function requireApiKey(authenticator: Authenticator, logger: Logger): RequestHandler {
  return (request, response, next) => {
    const outcome = authenticator(request.headers.authorization);
    if (outcome.ok) next();
    else refuseUnauthenticated(request, response, outcome.failure, logger);
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
