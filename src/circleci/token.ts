/**
 * The token is a bearer secret: it may only ever leave the process in the `Circle-Token` header.
 * Everything else (logs, errors, stats) sees its prefix at most, and any text that could echo it
 * back (an upstream body, a socket error) goes through `scrub` first.
 */

const REDACTED = "[redacted]";

/** Enough of the token to tell two tokens apart in logs (`CCIPAT_4Xa…`), never enough to use it. */
export function tokenPrefix(token: string): string {
  const underscore = token.indexOf("_");
  const visible = underscore >= 0 ? underscore + 4 : 4;
  return `${token.slice(0, Math.min(visible, Math.floor(token.length / 4)))}…`;
}

/** Returns a function that removes every occurrence of the token, raw or URL-encoded, from a text. */
export function tokenScrubber(token: string): (text: string) => string {
  const forms = [...new Set([token, encodeURIComponent(token)])].filter((form) => form.length > 0);
  return (text) => forms.reduce((scrubbed, form) => scrubbed.split(form).join(REDACTED), text);
}
