import { createHmac, timingSafeEqual } from "node:crypto";

/** The header CircleCI signs each delivery with: `v1=<hex HMAC-SHA256 of the raw body>`, comma-separated. */
export const SIGNATURE_HEADER = "circleci-signature";

/** The only scheme CircleCI uses so far; other versions in the header are skipped, not errors. */
const SCHEME = "v1=";

/**
 * Whether `header` holds a `v1` signature of `rawBody` under `secret`. Several `v1` values may be present (CircleCI
 * sends one per secret while a secret is rotated): any match is enough. Comparison is constant time, so a forger
 * learns nothing from how fast a wrong signature is refused.
 */
export function isValidSignature(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (header === undefined) return false;
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  return signaturesIn(header).some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
}

/** Writes the header value CircleCI would send for `rawBody`. */
export function signBody(rawBody: Buffer | string, secret: string): string {
  return `${SCHEME}${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
}

function signaturesIn(header: string): Buffer[] {
  return header
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.startsWith(SCHEME) && /^[0-9a-f]+$/i.test(part.slice(SCHEME.length)))
    .map((part) => Buffer.from(part.slice(SCHEME.length), "hex"));
}
