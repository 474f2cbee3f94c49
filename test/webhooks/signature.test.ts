import { describe, expect, it } from "vitest";
import { isValidSignature, signBody } from "../../src/webhooks/signature.js";

const SECRET = "s3cret-token";
const body = Buffer.from('{"type":"ping"}');

describe("isValidSignature", () => {
  it("accepts the v1 HMAC-SHA256 of the raw body", () => {
    expect(isValidSignature(body, signBody(body, SECRET), SECRET)).toBe(true);
  });

  it("accepts uppercase hex", () => {
    expect(isValidSignature(body, signBody(body, SECRET).toUpperCase().replace("V1=", "v1="), SECRET)).toBe(true);
  });

  it("refuses a missing or empty header", () => {
    expect(isValidSignature(body, undefined, SECRET)).toBe(false);
    expect(isValidSignature(body, "", SECRET)).toBe(false);
  });

  it("refuses a signature under another secret, of another body, or of another length", () => {
    expect(isValidSignature(body, signBody(body, "other"), SECRET)).toBe(false);
    expect(isValidSignature(body, signBody('{"type":"pong"}', SECRET), SECRET)).toBe(false);
    expect(isValidSignature(body, signBody(body, SECRET).slice(0, -2), SECRET)).toBe(false);
  });

  it("refuses a right digest under another scheme or with no scheme", () => {
    const hex = signBody(body, SECRET).slice("v1=".length);
    expect(isValidSignature(body, `v0=${hex}`, SECRET)).toBe(false);
    expect(isValidSignature(body, hex, SECRET)).toBe(false);
  });

  it("accepts any matching v1 among several comma-separated values, spaces allowed", () => {
    const good = signBody(body, SECRET);
    expect(isValidSignature(body, `${signBody(body, "old")},${good}`, SECRET)).toBe(true);
    expect(isValidSignature(body, `${good}, ${signBody(body, "old")}`, SECRET)).toBe(true);
    expect(isValidSignature(body, `v2=abc, ${good}`, SECRET)).toBe(true);
    expect(isValidSignature(body, `${signBody(body, "old")},${signBody(body, "older")}`, SECRET)).toBe(false);
  });
});
