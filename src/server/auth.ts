import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import type { Logger } from "../log.js";
import type { Caller } from "../operation/index.js";
import { sendError } from "./http-responses.js";

/** Why a request was refused: it carried no bearer key, or one that matches none of the configured keys. */
export type AuthFailure = "missing" | "invalid";

export type AuthOutcome = { ok: true; caller: Caller } | { ok: false; failure: AuthFailure };

/** The caller of a gateway without API keys: everyone is the same caller, who reads. */
export const PUBLIC_CALLER: Caller = { scope: "public", access: "read", name: "anonymous" };

/** The keys a gateway admits, and what each may do. */
export interface GatewayKeys {
  /** `GATEWAY_API_KEYS`: each may read. None (and no write keys): reads need no key. */
  read: readonly string[];
  /** `GATEWAY_WRITE_KEYS`: each may read and run mutations. */
  write: readonly string[];
  /** Every caller the keys admit may run mutations, without a write key (the demo, whose CircleCI is a simulator). */
  writeWithoutKey?: boolean;
}

/**
 * Finds which configured key was presented (its index), without revealing, by timing, which part or which key
 * differs; undefined when none matches.
 */
export type ApiKeyMatcher = (presented: string) => number | undefined;

/**
 * How a request may present its key: as `Authorization: Bearer <key>` (everywhere), or also as HTTP Basic with the
 * key as the password (any user name), for a read-only feed that build monitors poll: they can send Basic, not a
 * bearer token. Never in the URL, where proxies and logs would keep it.
 */
export type KeySchemes = "bearer" | "bearer-or-basic";

/** Decides who sent a request from its `Authorization` value. */
export type Authenticator = (authorization: string | undefined, schemes?: KeySchemes) => AuthOutcome;

const REALM = 'realm="circleci-gateway"';

/** The RFC 6750 challenge every refusal carries (an invalid key also says so, as that RFC asks), Basic's first where it is accepted. */
function challenges(failure: AuthFailure, schemes: KeySchemes): string[] {
  const bearer = failure === "missing" ? `Bearer ${REALM}` : `Bearer ${REALM}, error="invalid_token"`;
  return schemes === "bearer-or-basic" ? [`Basic ${REALM}, charset="UTF-8"`, bearer] : [bearer];
}

/** What a refused client reads; never the key it sent. */
function failureMessage(failure: AuthFailure, schemes: KeySchemes): string {
  if (failure === "invalid") return "the API key in the Authorization header is not valid";
  const how = schemes === "bearer-or-basic" ? "`Authorization: Bearer <key>`, or HTTP Basic with the key as the password," : "`Authorization: Bearer <key>`";
  return `the Authorization header is missing: send ${how} with one of the gateway's API keys (GATEWAY_API_KEYS)`;
}

/** The key of an `Authorization: Bearer <key>` value (the scheme in any case); undefined for any other value. */
export function parseBearerToken(header: string | undefined): string | undefined {
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
  return match?.[1];
}

/** The password of an `Authorization: Basic <base64 of user:password>` value; undefined for any other value. */
export function parseBasicPassword(header: string | undefined): string | undefined {
  const match = /^basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(header ?? "");
  if (match === null) return undefined;
  const credentials = Buffer.from(match[1] as string, "base64").toString("utf8");
  const colon = credentials.indexOf(":");
  return colon < 0 || colon === credentials.length - 1 ? undefined : credentials.slice(colon + 1);
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

/** Matchers of the read keys and of the write keys. */
export interface KeyMatchers {
  read: ApiKeyMatcher;
  write: ApiKeyMatcher;
}

/**
 * The outcome for one `Authorization` header value. Each key is its own scope (named by its kind and position, never
 * by the key): today every key sees the same data, and a rule that one day tells them apart cannot leak a cached
 * answer. A write key gives `write` access. Without a key the caller is `anonymous`, when `anonymous` is given (reads
 * need no key); a key that matches none is refused either way. `schemes` says whether HTTP Basic with the key as the
 * password counts too (build monitors can send nothing else).
 */
export function authenticate(header: string | undefined, matchers: KeyMatchers, anonymous?: Caller, schemes: KeySchemes = "bearer"): AuthOutcome {
  const key = parseBearerToken(header) ?? (schemes === "bearer-or-basic" ? parseBasicPassword(header) : undefined);
  if (key === undefined) return anonymous === undefined ? { ok: false, failure: "missing" } : { ok: true, caller: anonymous };
  // Both sets are compared whatever the first says, so the time does not tell which kind of key was sent.
  const [write, read] = [matchers.write(key), matchers.read(key)];
  const name = keyName(key);
  if (write !== undefined) return { ok: true, caller: { scope: `write:${write}`, access: "write", name } };
  if (read !== undefined) return { ok: true, caller: { scope: `key:${read}`, access: "read", name } };
  return { ok: false, failure: "invalid" };
}

/**
 * With read keys, every caller must present a key; with write keys alone, reads need none but a key presented must
 * be one; with neither, everyone is `PUBLIC_CALLER` whatever they send. `writeWithoutKey` gives every admitted
 * caller write access.
 */
export function createAuthenticator(keys: GatewayKeys): Authenticator {
  const widen = (caller: Caller): Caller => (keys.writeWithoutKey === true ? { ...caller, access: "write" } : caller);
  const anonymous = keys.read.length === 0 ? widen(PUBLIC_CALLER) : undefined;
  if (anonymous !== undefined && keys.write.length === 0) return () => ({ ok: true, caller: anonymous });
  const matchers = { read: createApiKeyMatcher(keys.read), write: createApiKeyMatcher(keys.write) };
  return (header, schemes) => {
    const outcome = authenticate(header, matchers, anonymous, schemes);
    return outcome.ok ? { ok: true, caller: widen(outcome.caller) } : outcome;
  };
}

/** How logs name the holder of a key: 8 hex digits of its SHA-256, which tell keys apart and reveal nothing of them. */
export function keyName(key: string): string {
  return `key sha256:${sha256(key).toString("hex").slice(0, 8)}`;
}

/** 401 with a JSON GraphQL-style error and a `WWW-Authenticate` challenge; logged without the key. */
export function refuseUnauthenticated(request: IncomingMessage, response: ServerResponse, failure: AuthFailure, logger: Logger, schemes: KeySchemes = "bearer"): void {
  logger.debug({ path: request.url?.split("?")[0], failure }, "HTTP request refused: no valid API key");
  sendError(response, 401, failureMessage(failure, schemes), "UNAUTHENTICATED", { "www-authenticate": challenges(failure, schemes) });
}

/** Express middleware for the routes beside GraphQL that need a key (`/metrics`, added pages). */
export function requireApiKey(authenticator: Authenticator, logger: Logger, schemes: KeySchemes = "bearer"): RequestHandler {
  return (request, response, next) => {
    const outcome = authenticator(request.headers.authorization, schemes);
    if (outcome.ok) next();
    else refuseUnauthenticated(request, response, outcome.failure, logger, schemes);
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
