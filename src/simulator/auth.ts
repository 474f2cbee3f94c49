import { randomInt } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Random } from "./random.js";

/** What a token may do: every token reads; only `write` tokens trigger, rerun, cancel and approve. */
export type TokenAccess = "read" | "write";

export type AuthOutcome = { ok: true; access: TokenAccess } | { ok: false; message: string };

/** CircleCI's own wording (openapi-v2.json, 401 examples). */
export const INVALID_TOKEN = "Invalid token provided.";
export const QUERY_AUTH_DEPRECATED =
  "Support for query parameter authentication has been deprecated to improve security. Please use a supported authentication method such as header-based, or basic authentication.";
/** What CircleCI answered (403) to a pipeline trigger with a token that may not do it. */
export const PERMISSION_DENIED = "Permission denied";

/**
 * Accepts the three header forms CircleCI accepts (API.md §1): `Circle-Token`, `Authorization:
 * Bearer`, and HTTP Basic with the token as username and an empty password. A `circle-token` query
 * parameter is refused even alongside a good header, so a client that still sends it finds out.
 */
export function authenticate(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  tokens: ReadonlyMap<string, TokenAccess>,
): AuthOutcome {
  if (query.has("circle-token")) return { ok: false, message: QUERY_AUTH_DEPRECATED };
  const token = presentedToken(headers);
  const access = token === undefined ? undefined : tokens.get(token);
  return access === undefined ? { ok: false, message: INVALID_TOKEN } : { ok: true, access };
}

function presentedToken(headers: IncomingHttpHeaders): string | undefined {
  const circleToken = headers["circle-token"];
  if (typeof circleToken === "string") return circleToken.trim();
  const [scheme, credentials] = (headers.authorization ?? "").trim().split(/\s+/, 2);
  if (credentials === undefined) return undefined;
  if (/^bearer$/i.test(scheme ?? "")) return credentials;
  if (/^basic$/i.test(scheme ?? "")) {
    const decoded = Buffer.from(credentials, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return decoded;
    return decoded.slice(colon + 1) === "" ? decoded.slice(0, colon) : undefined;
  }
  return undefined;
}

/**
 * A fresh token in the personal-token format, `CCIPAT_<base58>_<40 hex>` (API.md §1). It only has
 * to look right and differ between runs; it guards nothing but a loopback simulator.
 */
export function generatePersonalToken(): string {
  const random = new Random(randomInt(2 ** 31));
  return `CCIPAT_${random.base58(22)}_${random.hex(40)}`;
}
