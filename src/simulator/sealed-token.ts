import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Opaque, tamper-evident tokens (page tokens, presigned output URLs). The payload is base64url JSON
 * and the seal is an HMAC over the payload plus a `scope` that is not carried in the token: a token
 * opened under another scope (another path, other filters) fails exactly like a garbled one, which
 * is what makes "repeat the same filters" enforceable without the client ever parsing a token.
 */
export class TokenSealer {
  readonly #secret: Buffer;

  constructor(secret: Buffer) {
    this.#secret = secret;
  }

  seal(payload: object, scope: string): string {
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${body}.${this.#mac(body, scope)}`;
  }

  /** The payload, or undefined when the token is malformed, forged or sealed under another scope. */
  open(token: string, scope: string): unknown {
    const [body, mac, ...rest] = token.split(".");
    if (body === undefined || mac === undefined || rest.length > 0) return undefined;
    const expected = Buffer.from(this.#mac(body, scope));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as unknown;
    } catch {
      return undefined;
    }
  }

  #mac(body: string, scope: string): string {
    return createHmac("sha256", this.#secret).update(scope).update("\n").update(body).digest("base64url").slice(0, 22);
  }
}
